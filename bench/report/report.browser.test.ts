import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { writeResults } from '../results/store.js';
import { writeReport } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-report-browser-'));
const capacityDir = join(dir, 'capacity');
const mixesDir = join(dir, 'mixes');
let browser: Browser;
let page: string;
let capacityPage: string;
let mixesPage: string;

beforeAll(async () => {
  writeResults(dir, fixtureResults());
  page = (await writeReport(dir)).html;
  mkdirSync(capacityDir);
  writeResults(capacityDir, fixtureResults({ capacity: true }));
  capacityPage = (await writeReport(capacityDir)).html;
  mkdirSync(mixesDir);
  writeResults(mixesDir, fixtureResults({ mixes: true }));
  mixesPage = (await writeReport(mixesDir)).html;
  // Debian's chromium, installed by .ci/run; flags keep it off the (closed) network.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('renders every chart with no console error and no network', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
    await tab.goto(`file://${page}`);
    const charts = await tab.$$eval('figure.chart svg', (svgs) =>
      svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path, rect, line').length })),
    );
    expect(charts).toHaveLength(3);
    for (const c of charts) {
      expect(c.w).toBeGreaterThan(200);
      expect(c.h).toBeGreaterThan(100);
      expect(c.marks).toBeGreaterThan(10);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await tab.close();
  });

  it('sorts a table when a header is clicked, then reverses it', async () => {
    const tab = await browser.newPage();
    await tab.goto(`file://${page}`);
    const table = tab.locator('table.sortable').first();
    const variants = () => table.locator('tbody tr td:first-child').allInnerTexts();
    expect(await variants()).toEqual(['single-loop', 'cluster', 'worker-pool', 'blocking', 'node-http']);
    const rpsHeader = table.locator('th', { hasText: 'req/s median' });
    await rpsHeader.click();
    expect(await variants()).toEqual(['blocking', 'worker-pool', 'node-http', 'cluster', 'single-loop']);
    await rpsHeader.click();
    expect(await variants()).toEqual(['single-loop', 'cluster', 'node-http', 'worker-pool', 'blocking']);
    await tab.close();
  });
});

describe('report.html of a capacity run in headless Chromium', () => {
  it('shows a capacity table per workload and the latency–throughput chart with its objective, with no console error', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`file://${capacityPage}`);
    const tables = tab.locator('section.capacity table');
    expect(await tables.count()).toBe(5);
    const plaintext = tab.locator('section.capacity table[data-workload="plaintext"]');
    await expect.poll(() => plaintext.isVisible()).toBe(true);
    expect(await plaintext.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['single-loop', 'cluster', 'worker-pool', 'blocking', 'node-http']);
    expect(await plaintext.locator('tbody tr').first().locator('td').nth(2).innerText()).toBe('45,000');
    const chart = tab.locator('figure.chart[data-file="capacity-latency.svg"]');
    await expect.poll(() => chart.isVisible()).toBe(true);
    const box = await chart.locator('svg').boundingBox();
    expect(box?.width).toBeGreaterThan(400);
    expect(box?.height).toBeGreaterThan(100);
    const drawn = await chart.locator('svg').evaluate((svg) => ({
      lines: svg.querySelectorAll('g.mark-line.role-mark path').length,
      rules: [...svg.querySelectorAll('g.mark-rule.role-mark line')].map((l) => l.getBoundingClientRect().width),
    }));
    expect(drawn.lines).toBe(25);
    expect(drawn.rules).toHaveLength(5);
    for (const width of drawn.rules) expect(width).toBeGreaterThan(100);
    expect(await tab.locator('figure.chart[data-file="capacity-throughput.svg"]').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('sorts a capacity table by capacity, none kept up last', async () => {
    const tab = await browser.newPage();
    await tab.goto(`file://${capacityPage}`);
    const table = tab.locator('section.capacity table[data-workload="plaintext"]');
    const header = table.locator('th', { hasText: 'capacity req/s' });
    await header.click();
    await header.click();
    expect(await table.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['single-loop', 'node-http', 'cluster', 'worker-pool', 'blocking']);
    await tab.close();
  });
});

describe('report.html of a run with mixes in headless Chromium', () => {
  it('renders every chart, the per-route ones too, with no console error, and a per-route table per mix that sorts', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`file://${mixesPage}`);
    const charts = await tab.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { file: f.getAttribute('data-file'), w: box?.width ?? 0, h: box?.height ?? 0, marks: svg?.querySelectorAll('path, rect, line').length ?? 0 };
      }),
    );
    expect(charts.map((c) => c.file)).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg', 'routes.svg', 'heavy-share.svg']);
    for (const c of charts) {
      expect(c.w, c.file ?? '').toBeGreaterThan(200);
      expect(c.h, c.file ?? '').toBeGreaterThan(100);
      expect(c.marks, c.file ?? '').toBeGreaterThan(10);
    }
    const lines = await tab
      .locator('figure.chart[data-file="heavy-share.svg"] svg')
      .evaluate((svg) => svg.querySelectorAll('g.mark-line.role-mark path').length);
    expect(lines).toBe(5);
    expect(await tab.locator('section.routes table').count()).toBe(2);
    const table = tab.locator('section.routes table[data-workload="mixed@5%"]');
    await table.locator('th', { hasText: 'p99 ms' }).first().click();
    await table.locator('th', { hasText: 'p99 ms' }).first().click();
    const top = await table.locator('tbody tr').first().locator('td').allInnerTexts();
    expect([top[0], top[2], top[8]]).toEqual(['offload', 'GET /cpu?iterations=15000000', '150.0']);
    expect(errors).toEqual([]);
    await tab.close();
  });
});

describe('report.html opens with the answer, and its charts fit a 1,280-pixel window', () => {
  for (const [what, file] of [
    ['a quick run', () => page],
    ['a capacity run', () => capacityPage],
    ['a run with mixes', () => mixesPage],
  ] as const) {
    it(`${what}: a verdict table before the findings, every name in it linked to a finding on the page`, async () => {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await tab.goto(`file://${file()}`);
      const headings = await tab.$$eval('h2', (hs) => hs.map((h) => h.textContent));
      expect(headings.slice(0, 2)).toEqual(['Verdict', 'Findings']);
      const rows = tab.locator('section.verdict table.verdict tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      const links = await tab.$$eval('section.verdict a[href^="#finding-"]', (as) =>
        as.map((a) => ({ text: a.textContent, target: a.ownerDocument.getElementById(a.getAttribute('href')?.slice(1) ?? '')?.textContent ?? null })),
      );
      expect(links.length).toBeGreaterThan(0);
      // Each link lands on a finding, and that finding names the variant linked.
      for (const l of links) expect(l.target, l.text ?? '').toContain(l.text);
      await tab.close();
    });

    it(`${what}: no chart is wider than the page at 1,280 pixels`, async () => {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await tab.goto(`file://${file()}`);
      const widths = await tab.$$eval('figure.chart', (fs) =>
        fs.map((f) => ({ file: f.getAttribute('data-file'), scroll: f.scrollWidth, client: f.clientWidth })),
      );
      expect(widths.length).toBeGreaterThan(0);
      for (const w of widths) expect(w.scroll, `${w.file}: ${w.scroll} px in a figure ${w.client} px wide`).toBeLessThanOrEqual(w.client);
      expect(await tab.$eval('html', (e) => e.scrollWidth)).toBeLessThanOrEqual(1280);
      await tab.close();
    });
  }
});
