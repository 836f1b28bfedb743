// Every deliberate difference still differs as its entry says: its example through both parsers
// gives the documented verdicts, and the table recognizes it as that entry (not an earlier one).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliberateDifference, LLHTTP_DIFFERENCES } from '../../servers/core/llhttp-differences.js';
import { PROJECT_ROOT } from '../../shared/built.js';
import { classify, compareRuns } from './diff.js';
import { Llhttp } from './llhttp.js';
import { runOurs } from './ours.js';

describe('the deliberate differences from llhttp', () => {
  const llhttp = new Llhttp();

  it("are all in docs/http-core.md's table, and it names no other", () => {
    const page = readFileSync(join(PROJECT_ROOT, 'docs', 'http-core.md'), 'utf8');
    // The section runs from its heading to the next one of its level, or to the end of the page.
    const start = page.indexOf('\n## Deliberate differences from llhttp');
    const end = page.indexOf('\n## ', start + 1);
    const section = page.slice(start, end === -1 ? undefined : end);
    const named = [...section.matchAll(/^\| `([a-z0-9.-]+)` \|/gm)].map((m) => m[1]);
    expect(named).toEqual(LLHTTP_DIFFERENCES.map((d) => d.name));
  });

  it('have distinct names and say why', () => {
    expect(new Set(LLHTTP_DIFFERENCES.map((d) => d.name)).size).toBe(LLHTTP_DIFFERENCES.length);
    for (const d of LLHTTP_DIFFERENCES) expect(d.reason.length, d.name).toBeGreaterThan(20);
  });

  for (const entry of LLHTTP_DIFFERENCES) {
    // An entry of some llhttp versions only is checked where this Node's llhttp is one of them.
    const applies = entry.llhttpVersions === undefined || entry.llhttpVersions.test(process.versions.llhttp ?? '');
    it.runIf(applies)(`${entry.name}: the example differs as documented`, () => {
      const input = Buffer.from(entry.example, 'latin1');
      const ours = runOurs(input);
      const ll = llhttp.run(input);
      const d = compareRuns(ours, ll).difference;
      expect(d, 'the parsers agree on the example').not.toBeNull();
      if (d === null) return;
      expect(d.index).toBe(0);
      expect(d.llhttp.verdict).toBe(entry.llhttp);
      if ('code' in entry.ours) {
        expect(d.ours).toEqual({ verdict: 'reject', status: entry.ours.status, code: entry.ours.code });
      } else if ('wait' in entry.ours) {
        expect(d.ours.verdict).toBe('wait');
      } else {
        expect(d.ours.verdict).toBe('accept');
        if (d.ours.verdict === 'accept') expect(d.ours.request).toMatchObject(entry.ours.accept);
      }
      expect(entry.matches(input, d.ours, d.llhttp)).toBe(true);
      expect(classify(input, d)?.name).toBe(entry.name);
    });
  }

  it('recognize no difference the other way: we never accept what llhttp refuses', () => {
    const ok = {
      verdict: 'accept' as const,
      request: { method: 'GET', target: '/', version: '1.1', headers: [['Host', 'a']] as const, body: '', keepAlive: true },
    };
    const refused = { verdict: 'reject' as const, code: 'HPE_INVALID_METHOD', reason: 'Invalid method encountered' };
    expect(deliberateDifference(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), ok, refused)).toBeUndefined();
  });
});
