// npm run fuzz as a process: usage errors, a short run over worker threads, and a replay of
// markdown cases written here.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../shared/built.js';

const MAIN = join(PROJECT_ROOT, 'dist', 'bench', 'fuzz', 'main.js');
const fuzz = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('npm run fuzz', () => {
  it('refuses a bad flag or value with one line and the usage, exit 2', () => {
    for (const args of [['--bogus'], ['--inputs', 'many'], ['--inputs', '0'], ['--seed', '-1']]) {
      const r = fuzz(...args);
      expect(r.status, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[1]).toMatch(/^usage: npm run fuzz -- /);
      expect(r.stdout).toBe('');
    }
  });

  it('runs inputs over worker threads and reports rate, categories and findings; exit 1 exactly when it found something', () => {
    const r = fuzz('--inputs', '3000', '--seed', '14', '--workers', '2');
    expect(r.stdout).toMatch(/^fuzz: 3,000 inputs, seed 14, 2 worker thread\(s\)/);
    expect(r.stdout).toMatch(/3,000 inputs in [\d.]+ s: [\d,]+ inputs\/s/);
    expect(r.stdout).toMatch(/deliberate differences \(servers\/core\/llhttp-differences\.ts\): [\d,]+ inputs\n\s+[\d,]+ {2}method-not-implemented/);
    const found = /undocumented differences: (?!none)/.test(r.stdout) || /depend on how the input is cut: (?!none)/.test(r.stdout);
    expect(r.status).toBe(found ? 1 : 0);
    if (found) expect(r.stdout).toMatch(/minimized to \d+ bytes: "/);
    // The same seed gives the same findings in one thread.
    const one = fuzz('--inputs', '3000', '--seed', '14', '--workers', '1');
    const summary = (out: string) => out.slice(out.indexOf('first request')).replace(/input #\d+/g, 'input #');
    expect(summary(one.stdout)).toBe(summary(r.stdout));
  });

  describe('--llhttp-cases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-cases-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const FENCE = '```';
    const md = (name: string, type: string, input: string, log: string) =>
      `### ${name}\n\n<!-- meta={"type": "${type}"} -->\n${FENCE}http\n${input}\n${FENCE}\n\n${FENCE}log\n${log}\n${FENCE}\n\n`;

    it('replays the strict request cases in a directory through both parsers and a server, and matches each difference to the table', () => {
      writeFileSync(
        join(dir, 'cases.md'),
        md('plain', 'request', 'GET /a HTTP/1.1\nHost: a\n\n', 'off=28 message complete') +
          md('a WebDAV method', 'request', 'PROPFIND /a HTTP/1.1\nHost: a\n\n', 'off=33 message complete') +
          md('no Host', 'request', 'GET /a HTTP/1.1\n\n', 'off=19 message complete') +
          md('lenient', 'request-lenient-headers', 'GET /a HTTP/1.1\n\n', 'off=19 message complete'),
      );
      const r = fuzz('--llhttp-cases', dir);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`llhttp request cases in ${dir}: 4 cases, 3 strict request cases replayed`);
      expect(r.stdout).toContain('skipped: 1 type request-lenient-headers');
      expect(r.stdout).toContain('(a) we accept what llhttp rejects: none');
      expect(r.stdout).toContain('(b) we reject what llhttp accepts (2 matched to a deliberate entry): 2');
      expect(r.stdout).toContain('deliberate: method-not-implemented');
      expect(r.stdout).toContain('deliberate: host-missing');
      expect(r.stdout).toContain('1 cases refused for their missing Host were replayed again');
      expect(r.stdout).toContain('our parser and the single-loop server over a socket disagree: none');
      expect(r.status).toBe(0);
    });
  });
});
