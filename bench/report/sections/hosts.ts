// A run from several load hosts (`--loadgen-hosts`): which hosts, each one's round trip to the
// server and what it implies for a closed loop (C connections carry at most C ÷ RTT requests per
// second), each host's part of every cell, and a host whose part lagged the others' (a slow or
// overloaded load host makes a run look like a slow server).

import { formatInt as int } from '../../lib/format.js';
import { summarize } from '../../lib/stats.js';
import { cellsOf, type OkCell, type Results, rowLabel } from '../../results/results.js';
import { pct } from '../facts.js';
import type { ReportSection, SectionFindings } from '../section.js';
import { type Column, tableBlock } from '../table.js';

/** A host whose requests per connection are below this share of the busiest host's lagged. */
export const HOST_LAG = 0.85;
/** A cell at or above this share of its round-trip bound is bound by the network. */
export const NETWORK_BOUND = 0.7;

type HostRow = {
  variant: string;
  workload: string;
  connections: number;
  pipelining: number;
  host: string;
  segment: string;
  hostConnections: number;
  rps: number;
  cpus: number;
  p99Ms: number;
};

const median = (xs: number[]) => summarize(xs).median;

/** Each cell's hosts, with their medians over its repetitions. */
function hostRows(r: Results): HostRow[] {
  return r.variants.flatMap((v) =>
    cellsOf(v).flatMap((c) => {
      if (c.status !== 'ok') return [];
      const first = c.repetitions[0]?.loadgenHosts;
      if (first === null || first === undefined) return [];
      return first.map((h, i) => {
        const each = c.repetitions.flatMap((rep) => (rep.loadgenHosts?.[i] === undefined ? [] : [rep.loadgenHosts[i]]));
        return {
          variant: rowLabel(v, c),
          workload: c.workload,
          connections: c.connections,
          pipelining: c.pipelining,
          host: h.host,
          segment: h.segment,
          hostConnections: h.connections,
          rps: median(each.map((x) => x.requestsPerSec)),
          cpus: median(each.map((x) => x.loadgenCpus)),
          p99Ms: median(each.map((x) => x.p99Ms)),
        };
      });
    }),
  );
}

/** The most a closed loop of `connections`, each with `pipelining` requests in flight, can carry over round trips of `rttMs`: C × P ÷ RTT, in req/s. */
export function roundTripBound(connections: number, rttMs: number, pipelining = 1): number {
  return rttMs > 0 ? (connections * pipelining * 1000) / rttMs : Number.POSITIVE_INFINITY;
}

function hostFindings(r: Results): SectionFindings {
  const findings: string[] = [];
  const caveats: string[] = [];
  for (const v of r.variants) {
    if (!('network' in v) || v.network === null || v.network === undefined || v.network.length === 0) continue;
    const rtt = median(v.network.map((x) => x.p50Ms));
    const ok = cellsOf(v).filter((c): c is OkCell => c.status === 'ok');
    const at = Math.max(...r.settings.connections);
    const worst = ok
      .map((c) => ({ c, share: c.summary.requestsPerSec.median / roundTripBound(c.connections, rtt, c.pipelining) }))
      .sort((a, b) => b.share - a.share)[0];
    findings.push(
      `${v.name}: the load hosts' round trip to it was ${rtt.toFixed(2)} ms (p50; ${v.network.map((x) => `${x.host} ${x.p50Ms.toFixed(2)}`).join(', ')}), ` +
        `so ${at} connections in a closed loop carry at most ${int(roundTripBound(at, rtt))} req/s` +
        (worst === undefined
          ? '.'
          : `; its cells reached at most ${pct(worst.share)} of their bound (${worst.c.workload} at ${worst.c.connections} connections).`),
    );
    for (const c of ok) {
      const bound = roundTripBound(c.connections, rtt, c.pipelining);
      if (c.summary.requestsPerSec.median >= NETWORK_BOUND * bound)
        findings.push(
          `${c.workload}: ${v.name} served ${int(c.summary.requestsPerSec.median)} req/s at ${c.connections} connections, ${pct(c.summary.requestsPerSec.median / bound)} of what ` +
            `the round trip allows (${c.connections}${c.pipelining > 1 ? ` × ${c.pipelining} pipelined` : ''} ÷ ${rtt.toFixed(2)} ms = ${int(bound)} req/s): the network, not the server, bounds it; add connections.`,
        );
    }
  }
  const rows = hostRows(r);
  const keyOf = (x: HostRow) => `${x.variant}\u0000${x.workload}\u0000${x.connections}\u0000${x.pipelining}`;
  for (const key of new Set(rows.map(keyOf))) {
    const mine = rows.filter((x) => keyOf(x) === key);
    const per = mine.map((x) => ({ x, perConn: x.rps / Math.max(1, x.hostConnections) }));
    const top = per.reduce((a, b) => (b.perConn > a.perConn ? b : a));
    for (const p of per)
      if (p.perConn < HOST_LAG * top.perConn)
        caveats.push(
          `${p.x.workload}: load host ${p.x.host} served ${pct(1 - p.perConn / top.perConn)} fewer requests per connection than ${top.x.host} on ${p.x.variant} ` +
            `(its CPU ${pct(p.x.cpus)}, p99 ${p.x.p99Ms.toFixed(2)} ms against ${top.x.p99Ms.toFixed(2)}): a slow or busy load host makes a run look like a slow server.`,
        );
  }
  return { findings, caveats };
}

const COLUMNS: Array<Column<HostRow>> = [
  { head: 'variant', text: (x) => x.variant, value: (x) => x.variant },
  { head: 'workload', text: (x) => x.workload, value: (x) => x.workload },
  { head: 'host', text: (x) => x.host, value: (x) => x.host },
  { head: 'segment', text: (x) => x.segment, value: (x) => x.segment },
  { head: 'conn', text: (x) => String(x.hostConnections), value: (x) => x.hostConnections },
  { head: 'req/s', text: (x) => int(x.rps), value: (x) => x.rps },
  { head: 'its CPU', text: (x) => pct(x.cpus), value: (x) => x.cpus },
  { head: 'p99 ms', text: (x) => x.p99Ms.toFixed(2), value: (x) => x.p99Ms },
];

export const hostsSection: ReportSection = {
  id: 'hosts',
  figureOrder: 3.5,
  header: (r) =>
    r.settings.loadgenHosts === null
      ? []
      : [
          `load from ${r.settings.loadgenHosts.hosts.length} hosts (${r.settings.loadgenHosts.hosts.join(', ')}), one segment each, from ${r.settings.loadgenHosts.remoteDir} there`,
        ],
  findings: hostFindings,
  tables: (r) => {
    const rows = hostRows(r);
    if (rows.length === 0) return { blocks: [] };
    return {
      title: 'Load hosts',
      intro: `Each load host's part of every cell (medians over the repetitions): its segment and connections, what it measured, and its generator's CPU. A host below ${pct(HOST_LAG)} of the busiest one's requests per connection lagged.`,
      blocks: [tableBlock('', undefined, COLUMNS, rows, () => false)],
    };
  },
  charts: async () => [],
  terminal: () => '',
};
