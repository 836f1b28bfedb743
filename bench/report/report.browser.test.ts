import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeResults } from '../results.js';
import { fixtureResults } from './test-support/fixture.js';
import { writeReport } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-report-browser-'));
let browser: Browser;
let page: string;

beforeAll(async () => {
  writeResults(dir, fixtureResults());
  page = (await writeReport(dir)).html;
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
