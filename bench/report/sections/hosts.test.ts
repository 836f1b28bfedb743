import { describe, expect, it } from 'vitest';
import { fixtureResults } from '../../analysis/test-support/fixture.js';
import type { OkCell, Results } from '../../results/results.js';
import { hostsSection, roundTripBound } from './hosts.js';

/** The fixture's first variant as if measured from two load hosts over a 0.5 ms round trip, host b at `bShare` of a's pace. */
function fromHosts(bShare: number): Results {
  const r = fixtureResults();
  r.settings.loadgenHosts = { hosts: ['ssh://a', 'ssh://b'], remoteDir: '/srv/cbench' };
  r.variants = r.variants.slice(0, 1);
  const v = r.variants[0];
  if (v?.status !== 'ok') throw new Error('fixture: measured');
  v.network = [
    { host: 'ssh://a', requests: 50, p50Ms: 0.5, p90Ms: 0.6, maxMs: 1 },
    { host: 'ssh://b', requests: 50, p50Ms: 0.5, p90Ms: 0.7, maxMs: 2 },
  ];
  const cell = v.cells.find((c): c is OkCell => c.status === 'ok' && c.workload === 'plaintext') as OkCell;
  v.cells = [
    {
      ...cell,
      summary: { ...cell.summary, requestsPerSec: { median: 110_000, min: 100_000, max: 120_000 } },
      repetitions: cell.repetitions.map((rep) => ({
        ...rep,
        loadgenHosts: [
          { host: 'ssh://a', segment: '0/1:1/2', connections: 32, requests: 1000, requestsPerSec: 60_000, loadgenCpus: 0.5, p99Ms: 1 },
          { host: 'ssh://b', segment: '1/2:1/1', connections: 32, requests: 1000, requestsPerSec: 60_000 * bShare, loadgenCpus: 0.97, p99Ms: 4 },
        ],
      })),
    },
  ];
  return r;
}

describe('the load hosts section', () => {
  it('states the round trip’s bound on a closed loop, and a cell that reaches it', () => {
    expect(roundTripBound(64, 0.5)).toBe(128_000);
    const { findings } = hostsSection.findings(fromHosts(1));
    expect(findings[0]).toMatch(
      /^single-loop: the load hosts' round trip to it was 0\.50 ms \(p50; ssh:\/\/a 0\.50, ssh:\/\/b 0\.50\), so 64 connections in a closed loop carry at most 128,000 req\/s; its cells reached at most 86% of their bound/,
    );
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^plaintext: single-loop served 110,000 req\/s at 64 connections, 86% of what the round trip allows .*: the network, not the server, bounds it/,
      ),
    );
  });

  it('names a load host that lagged the others, and none when they kept pace', () => {
    expect(hostsSection.findings(fromHosts(0.95)).caveats).toEqual([]);
    expect(hostsSection.findings(fromHosts(0.5)).caveats).toEqual([
      expect.stringMatching(
        /^plaintext: load host ssh:\/\/b served 50% fewer requests per connection than ssh:\/\/a on single-loop \(its CPU 97%, p99 4\.00 ms against 1\.00\)/,
      ),
    ]);
  });

  it('tables each host’s part, and says nothing of a run from one machine', () => {
    const t = hostsSection.tables(fromHosts(1));
    expect(t.title).toBe('Load hosts');
    expect(t.blocks[0]?.markdown.join('\n')).toMatch(/\| single-loop \| plaintext \| ssh:\/\/b \| 1\/2:1\/1 \| 32 \| 60,000 \| 97% \| 4\.00 \|/);
    expect(hostsSection.header(fromHosts(1))).toEqual(['load from 2 hosts (ssh://a, ssh://b), one segment each, from /srv/cbench there']);
    const one = fixtureResults();
    expect(hostsSection.tables(one).blocks).toEqual([]);
    expect(hostsSection.findings(one)).toEqual({ findings: [], caveats: [] });
    expect(hostsSection.header(one)).toEqual([]);
  });
});
