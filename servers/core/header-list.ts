// The header fields of one request, found in the head's bytes only when someone asks.

import { latin1 } from './bytes.js';
import { COLON, CR, HTAB, LOWER, SP } from './chars.js';

/**
 * The header fields of one request. The parser validates every field line and keeps the head's
 * bytes, but records no positions: those are found again the first time anyone asks for a
 * header, and names and values become strings only when asked for. A request to a route that
 * reads no header pays for neither.
 */
export class HeaderList {
  /** name start, name end, value start, value end per field line, in raw; found on first use. */
  private offsets: number[] | null = null;

  constructor(
    /** The bytes the head is in (not a subarray, to save an allocation per request). */
    private readonly raw: Buffer,
    /** Where the first field line starts in raw. */
    private readonly start: number,
    /** How many field lines the request had. */
    readonly count: number,
  ) {}

  /** The name of field line i, as sent. */
  name(i: number): string {
    return this.slice(i * 4);
  }

  /** The value of field line i, without surrounding whitespace. */
  value(i: number): string {
    return this.slice(i * 4 + 2);
  }

  /** The value for a lower-case name; several lines of one name are joined with ", " (RFC 9110 §5.3). */
  get(lowerName: string): string | undefined {
    const offsets = this.index();
    let found: string | undefined;
    for (let i = 0; i < offsets.length; i += 4) {
      if (this.nameIs(offsets, i, lowerName)) {
        const v = this.slice(i + 2);
        found = found === undefined ? v : `${found}, ${v}`;
      }
    }
    return found;
  }

  /** Every field line as [name, value], in order. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.count; i++) out.push([this.name(i), this.value(i)]);
    return out;
  }

  /** Finds the field lines again in the head, already validated: name ":" OWS value OWS CRLF. */
  private index(): number[] {
    if (this.offsets !== null) return this.offsets;
    const b = this.raw;
    const offsets: number[] = [];
    let p = this.start;
    for (let i = 0; i < this.count; i++) {
      const ls = p;
      while (b[p] !== COLON) p++;
      const ne = p++;
      while (b[p] === SP || b[p] === HTAB) p++;
      const vs = p;
      while (b[p] !== CR) p++;
      let ve = p;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      offsets.push(ls, ne, vs, ve);
      p += 2;
    }
    this.offsets = offsets;
    return offsets;
  }

  private slice(k: number): string {
    const offsets = this.index();
    if (k < 0 || k >= offsets.length) throw new RangeError(`no header field line ${k >> 2}: the request has ${this.count}`);
    return latin1(this.raw, offsets[k] as number, offsets[k + 1] as number);
  }

  private nameIs(offsets: number[], i: number, lowerName: string): boolean {
    const s = offsets[i] as number;
    if ((offsets[i + 1] as number) - s !== lowerName.length) return false;
    for (let k = 0; k < lowerName.length; k++) {
      if (LOWER[this.raw[s + k] as number] !== lowerName.charCodeAt(k)) return false;
    }
    return true;
  }
}
