// Delta debugging for inputs: the shortest input found that still fails the same way, by
// dropping chunks of bytes (halves, then quarters, ... down to single bytes), then single bytes
// until no byte can go.

/** Shrinks `input` while `stillFails` holds; `stillFails(input)` must hold to begin with. At most `maxTests` calls. */
export function minimize(input: Buffer, stillFails: (candidate: Buffer) => boolean, maxTests = 20_000): Buffer {
  let tests = 0;
  const test = (candidate: Buffer): boolean => {
    tests++;
    return stillFails(candidate);
  };
  let current = input;
  // Chunks: split into n pieces and try dropping each; on success keep the granularity, otherwise
  // double it, until the pieces are single bytes.
  let n = 2;
  while (current.length >= 2 && tests < maxTests) {
    const size = Math.ceil(current.length / n);
    let dropped = false;
    for (let start = 0; start < current.length && tests < maxTests; start += size) {
      const candidate = Buffer.concat([current.subarray(0, start), current.subarray(start + size)]);
      if (test(candidate)) {
        current = candidate;
        n = Math.max(n - 1, 2);
        dropped = true;
        break;
      }
    }
    if (dropped) continue;
    if (size === 1) break;
    n = Math.min(n * 2, current.length);
  }
  // Single bytes, over and over until a whole pass drops none.
  for (let changed = true; changed && tests < maxTests; ) {
    changed = false;
    for (let i = 0; i < current.length && tests < maxTests; ) {
      const candidate = Buffer.concat([current.subarray(0, i), current.subarray(i + 1)]);
      if (test(candidate)) {
        current = candidate;
        changed = true;
      } else {
        i++;
      }
    }
  }
  return current;
}

const NAMED: Record<number, string> = { 13: '\\r', 10: '\\n', 9: '\\t', 34: '\\"', 92: '\\\\' };

/** The input as a double-quoted string: printable ASCII as is, \r \n \t, and \xNN for any other byte. */
export function escapeBytes(input: Buffer): string {
  let s = '"';
  for (const c of input) {
    const named = NAMED[c];
    if (named !== undefined) s += named;
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}
