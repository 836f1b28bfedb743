// Our parser's verdicts against llhttp's on the same input, request by request up to the first
// disagreement, and what kind of disagreement it is.

import {
  type DeliberateDifference,
  deliberateDifference,
  type LlhttpResult,
  type OurResult,
  type ParsedRequest,
} from '../../servers/core/llhttp-differences.js';
import { type LlhttpRun, llhttpResultAt } from './llhttp.js';
import { type OurRun, ourResultAt, runOurs } from './ours.js';

/** The fields of an accepted request that are compared, in the order they are compared. */
const FIELDS = ['method', 'target', 'version', 'headers', 'body', 'keepAlive'] as const;
type Field = (typeof FIELDS)[number];

/** Where the two parsers first disagree. */
export interface Difference {
  /** Which request of the input (0 for the first). */
  readonly index: number;
  readonly ours: OurResult;
  readonly llhttp: LlhttpResult;
  /** When both accepted: the first field that differs. */
  readonly field?: Field;
  /** What kind of disagreement, as a line: the same for inputs that differ the same way. */
  readonly signature: string;
}

/** How the two parsers compare on one input. */
export interface Comparison {
  /** The first disagreement on accepting a request, or on what was accepted; null when there is none. */
  readonly difference: Difference | null;
  /** Requests both accepted alike (before the end or the difference). */
  readonly agreed: number;
  /**
   * Where neither accepted but one refused while the other waited for more bytes: not a
   * difference (at the end of the input both refuse), but counted. Null otherwise.
   */
  readonly refusedVsWaiting: string | null;
  /** The first request's verdicts, `ours/llhttp` (accept, reject or wait). */
  readonly first: string;
}

/** A result as a short label: `accept`, `wait`, or the refusal. */
export function label(r: OurResult | LlhttpResult): string {
  if (r.verdict !== 'reject') return r.verdict;
  return 'status' in r ? `${r.status} ${r.code}` : `${r.code} (${r.reason})`;
}

function differingField(a: ParsedRequest, b: ParsedRequest, upgrade: boolean): Field | undefined {
  for (const f of FIELDS) {
    if (f === 'body' && upgrade) continue; // after an upgrade llhttp hands the bytes on unread
    const same = f === 'headers' ? JSON.stringify(a.headers) === JSON.stringify(b.headers) : a[f] === b[f];
    if (!same) return f;
  }
  return undefined;
}

/** Compares the runs request by request, up to the first disagreement, an upgrade or a connection that closes. */
export function compareRuns(ours: OurRun, llhttp: LlhttpRun): Comparison {
  const first = `${ourResultAt(ours, 0).verdict}/${llhttpResultAt(llhttp, 0).verdict}`;
  for (let i = 0; ; i++) {
    const o = ourResultAt(ours, i);
    const l = llhttpResultAt(llhttp, i);
    if (o.verdict === 'accept' && l.verdict === 'accept') {
      const field = differingField(o.request, l.request, l.upgrade);
      if (field !== undefined) {
        return { difference: { index: i, ours: o, llhttp: l, field, signature: `both accept, ${field} differs` }, agreed: i, refusedVsWaiting: null, first };
      }
      // Neither reads on: llhttp hands an upgraded connection over, and after a request that
      // closes the connection (RFC 9112 §9.6) what follows is not read by either server.
      if (l.upgrade || !o.request.keepAlive) return { difference: null, agreed: i + 1, refusedVsWaiting: null, first };
      continue;
    }
    if (o.verdict === 'accept' || l.verdict === 'accept') {
      return { difference: { index: i, ours: o, llhttp: l, signature: `ours ${label(o)} / llhttp ${label(l)}` }, agreed: i, refusedVsWaiting: null, first };
    }
    // Waiting for bytes that llhttp has already refused on is being looser than it, in time: a
    // difference. Refusing what llhttp still waits on is being stricter sooner: counted apart.
    if (o.verdict === 'wait' && l.verdict === 'reject') {
      return { difference: { index: i, ours: o, llhttp: l, signature: `ours ${label(o)} / llhttp ${label(l)}` }, agreed: i, refusedVsWaiting: null, first };
    }
    const refusedVsWaiting = o.verdict === l.verdict ? null : `ours ${label(o)} / llhttp ${label(l)}`;
    return { difference: null, agreed: i, refusedVsWaiting, first };
  }
}

/**
 * Where request `index` of the input begins, as our parser reads it: the shortest prefix that
 * holds the `index` requests before it complete (found by bisection; requests only complete as
 * more bytes come).
 */
export function requestStart(input: Buffer, index: number): number {
  if (index === 0) return 0;
  let lo = 0;
  let hi = input.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runOurs(input.subarray(0, mid)).requests.length >= index) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A difference, and the deliberate entry that explains it (undefined: undocumented), judged on the bytes from where its request begins. */
export function classify(input: Buffer, difference: Difference): DeliberateDifference | undefined {
  return deliberateDifference(input.subarray(requestStart(input, difference.index)), difference.ours, difference.llhttp);
}

/** A result in full, for a report: the request as parsed, or the refusal. */
export function describeResult(r: OurResult | LlhttpResult): string {
  if (r.verdict !== 'accept') return label(r);
  const q = r.request;
  return `accept ${JSON.stringify({ method: q.method, target: q.target, version: q.version, headers: q.headers, body: q.body, keepAlive: q.keepAlive })}`;
}
