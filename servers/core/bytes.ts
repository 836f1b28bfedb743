// Strings from bytes, and case-insensitive tests of fixed words, for the parser and its header
// list. Both are generated code: small functions V8 compiles once and inlines where they are used.

/**
 * Short strings from bytes: SHORT_STRING[n](b, s) is String.fromCharCode(b[s], ..., b[s + n - 1]),
 * generated once per length. For a request-target or a header name this is a few times cheaper
 * than latin1Slice, whose cost is mostly the call into C++ (measured: 10 bytes 30 ns against
 * 85 ns; the two meet at about 36 bytes).
 */
const SHORT_STRING: ReadonlyArray<(b: Buffer, s: number) => string> = Array.from({ length: 33 }, (_, n) => {
  const args = Array.from({ length: n }, (_, k) => `b[s + ${k}]`).join(', ');
  return new Function('b', 's', `return String.fromCharCode(${args});`) as (b: Buffer, s: number) => string;
});

/**
 * The bytes [s, e) as a string, each byte the code point of its value (latin1): short ones through
 * SHORT_STRING, longer ones through Buffer#latin1Slice (what toString('latin1') calls after
 * checking its arguments).
 */
export function latin1(b: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n < SHORT_STRING.length) return SHORT_STRING[n]!(b, s);
  return (b as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e);
}

/**
 * A test of whether the bytes at s spell `word` (lower-case letters, digits and "-"), ignoring
 * ASCII case; the caller has checked the length. It is generated once per word with the word's
 * bytes as constants, and reads four bytes at a time as one little-endian number: a loop over
 * the word cost four times as much (measured: about 40 ns against 10 ns for the name and value
 * of "Connection: keep-alive"). Setting bit 0x20 in each byte lower-cases a letter and leaves
 * digits and "-" alone; the only other byte it could turn into one of these is CR (into "-"),
 * and CR is never inside a validated name or value.
 */
export function lowerMatcher(word: string): (b: Buffer, s: number) => boolean {
  if (!/^[a-z0-9-]+$/.test(word)) throw new Error(`lowerMatcher: '${word}' has a byte other than a-z, 0-9 and "-"`);
  const terms: string[] = [];
  for (let k = 0; k < word.length; k += 4) {
    const bytes: string[] = [];
    let value = 0;
    let caseBits = 0;
    for (let j = 0; j < 4 && k + j < word.length; j++) {
      bytes.push(`(b[s + ${k + j}] << ${8 * j})`);
      value |= word.charCodeAt(k + j) << (8 * j);
      caseBits |= 0x20 << (8 * j);
    }
    terms.push(`((${bytes.join(' | ')}) | ${caseBits}) === ${value | caseBits}`);
  }
  return new Function('b', 's', `return ${terms.join(' && ')};`) as (b: Buffer, s: number) => boolean;
}
