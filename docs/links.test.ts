// Every relative link in the project's Markdown resolves: the file it names exists, and its
// #anchor, if any, is the slug of a heading of that file by GitHub's rule. The README links into
// docs/ and the pages link to each other, so a heading renamed or a page moved breaks a link here
// first, not in a reader's browser.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** The Markdown whose links are checked: the README, every page under docs/, and results/README.md. */
function markdownFiles(): string[] {
  const pages = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pages(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(ROOT, 'README.md'), ...pages(join(ROOT, 'docs')), join(ROOT, 'results', 'README.md')].filter((f) => existsSync(f));
}

/** The text outside fenced code blocks, line by line; a link or heading inside one is only an example. */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text lowercased, everything but
 * letters, digits, spaces, hyphens and underscores dropped (backticks and the punctuation inside
 * code spans too), each space a hyphen.
 */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*`]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: one per heading, a repeated slug numbered -1, -2, … as GitHub does. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every link target in the prose: inline links and images, and reference definitions; code spans left out. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  const lines = proseLines(text);
  for (const line of lines) {
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line.replace(/(`+)[^`]*?\1/g, ''));
    if (def) targets.push(def[1] ?? '');
  }
  // Inline links by paragraph, not by line: the prose is wrapped, and a link's text may be too.
  for (const paragraph of lines.join('\n').split(/\n\s*\n/)) {
    const prose = paragraph.replace(/\n/g, ' ').replace(/(`+)[^`]*?\1/g, '');
    for (const m of prose.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1] ?? '');
  }
  return targets;
}

/** The files git tracks, from the root; null outside a checkout. A link to a file that exists only here (ignored, or not yet added) breaks in a clone. */
const TRACKED: ReadonlySet<string> | null = (() => {
  const r = spawnSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? new Set(r.stdout.split('\n').filter((f) => f !== '')) : null;
})();

/** Whether a path the link names is in the project: a tracked file, or a folder holding one. */
function inProject(path: string): boolean {
  if (!existsSync(path)) return false;
  if (TRACKED === null) return true;
  const rel = relative(ROOT, path);
  return TRACKED.has(rel) || [...TRACKED].some((f) => f.startsWith(`${rel}/`));
}

/** The relative links of `text` (the content of `file`) that do not resolve, each with why. */
function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // not relative
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const resolved = path === '' ? file : resolve(dirname(file), path);
    if (resolved !== file && !inProject(resolved)) {
      broken.push(`${target}: no such file (${relative(ROOT, resolved)}, or git does not track it)`);
      continue;
    }
    if (anchor === null) continue;
    if (!resolved.endsWith('.md') || (resolved !== file && statSync(resolved).isDirectory())) {
      broken.push(`${target}: an anchor into something that is not a Markdown file`);
      continue;
    }
    const offered = anchors(resolved === file ? text : readFileSync(resolved, 'utf8'));
    if (!offered.has(anchor)) broken.push(`${target}: no heading of ${relative(ROOT, resolved)} has the anchor #${anchor}`);
  }
  return broken;
}

describe('slug', () => {
  it.each([
    ['Example: the `quick` profile on the 2-core development machine', 'example-the-quick-profile-on-the-2-core-development-machine'],
    ['What `npm run bench` does', 'what-npm-run-bench-does'],
    ['The HTTP/1.1 core', 'the-http11-core'],
    ['Routes (every variant)', 'routes-every-variant'],
    ['Head-of-line blocking: request mixes', 'head-of-line-blocking-request-mixes'],
    ['Proof, from real runs on the 2-core development machine', 'proof-from-real-runs-on-the-2-core-development-machine'],
  ])('%s → #%s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });
});

describe('relative Markdown links', () => {
  it('finds a missing file and a missing anchor, and passes what resolves', () => {
    const file = join(ROOT, 'docs', 'a-page-written-by-the-test.md');
    const text = [
      '# A page',
      '## A page',
      'Fine: [tests](tests.md), [its heading](tests.md#tests), [here](#a-page), [the repeat](#a-page-1), [out](https://example.com/x.md#y).',
      'Broken: [gone](no-such-page.md), [no heading](tests.md#no-such-heading), [not here](#nowhere), [a link whose text',
      'wraps](gone-too.md).',
      'In code, not a link: `[gone](no-such-page.md)`.',
      '```',
      '[gone](no-such-page.md)',
      '```',
    ].join('\n');
    expect(brokenLinks(file, text)).toEqual([
      'no-such-page.md: no such file (docs/no-such-page.md, or git does not track it)',
      'tests.md#no-such-heading: no heading of docs/tests.md has the anchor #no-such-heading',
      '#nowhere: no heading of docs/a-page-written-by-the-test.md has the anchor #nowhere',
      'gone-too.md: no such file (docs/gone-too.md, or git does not track it)',
    ]);
  });

  const files = markdownFiles();
  it('checks the README and at least one page under docs/', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'docs/tests.md']));
  });

  for (const file of files) {
    it(`${relative(ROOT, file)}: every relative link resolves`, () => {
      expect(brokenLinks(file, readFileSync(file, 'utf8'))).toEqual([]);
    });
  }
});
