// The numbers every report shows, derived from results.json and nothing else.

import { type Bottleneck, type CellResult, cellsOf, type Results, type VariantResult, whyNot } from '../results.js';

/** One row of a workload's table: a variant at one connections × pipelining. */
export interface Row {
  variant: string;
  connections: number;
  pipelining: number;
  status: 'ok' | 'failed' | 'refused' | 'not-run';
  rps?: { median: number; min: number; max: number };
  p50?: number;
  p99?: number;
  p99_9?: number;
  cpuUs?: number;
  rssMb?: number;
  errors?: number;
  /** Jain's index of completed requests per connection, median over repetitions; 1 is perfectly even. */
  jain?: number;
  /** Connect to first response on fresh connections, before the window: medians over repetitions of its p99 and max. */
  firstResponseMs?: { p99: number; max: number };
  clientBound: boolean;
  /** Which side was saturated; unset when unknown (files before version 3) or not measured. */
  bottleneck?: Bottleneck;
  /** requests/s over node-http's in the same cell. */
  vsNodeHttp?: number;
  note: string;
  cell?: CellResult;
}

export interface WorkloadTable {
  workload: string;
  rows: Row[];
}

export const BASELINE = 'node-http';

function rowOf(v: VariantResult, c: CellResult): Row {
  const row: Row = {
    variant: v.name,
    connections: c.connections,
    pipelining: c.pipelining,
    status: c.status,
    clientBound: c.status === 'ok' && c.clientBound,
    note: c.status === 'failed' ? `failed: ${c.reason}` : c.clientBound ? 'client-bound: a floor, not the server’s limit' : '',
    cell: c,
  };
  if (c.status === 'ok') {
    const s = c.summary;
    Object.assign(row, {
      rps: s.requestsPerSec,
      p50: s.latencyP50Ms.median,
      p99: s.latencyP99Ms.median,
      p99_9: s.latencyP99_9Ms.median,
      cpuUs: s.serverCpuUsPerRequest?.median,
      rssMb: s.serverPeakRssBytes === null ? undefined : s.serverPeakRssBytes.max / 1048576,
      errors: s.errors,
      jain: s.fairnessJain?.median,
      firstResponseMs:
        s.firstResponseP99Ms === null || s.firstResponseMaxMs === null ? undefined : { p99: s.firstResponseP99Ms.median, max: s.firstResponseMaxMs.median },
      bottleneck: c.bottleneck ?? undefined,
    });
    if (c.bottleneck === 'both') row.note = 'load generator and server both saturated';
    if (s.errors > 0 && row.note === '') row.note = `${s.errors} errors`;
  }
  return row;
}

/** A table per workload with every variant, in the order the run listed them. */
export function workloadTables(results: Results): WorkloadTable[] {
  return results.settings.workloads.map((workload) => {
    const rows: Row[] = [];
    for (const v of results.variants) {
      const cells = cellsOf(v).filter((c) => c.workload === workload);
      if (cells.length === 0) {
        rows.push({
          variant: v.name,
          connections: 0,
          pipelining: 0,
          status: v.status === 'ok' ? 'failed' : v.status,
          clientBound: false,
          note: v.status === 'ok' ? 'not measured' : whyNot(v),
        });
      } else {
        for (const c of cells) rows.push(rowOf(v, c));
      }
    }
    for (const r of rows) {
      const base = rows.find((b) => b.variant === BASELINE && b.connections === r.connections && b.pipelining === r.pipelining);
      if (r.rps !== undefined && base?.rps !== undefined && base.rps.median > 0) r.vsNodeHttp = r.rps.median / base.rps.median;
    }
    return { workload, rows };
  });
}

/** The cell a workload is judged by: its highest connection count at pipelining 1. */
export function headline(results: Results): { connections: number; pipelining: number } {
  return { connections: Math.max(...results.settings.connections), pipelining: 1 };
}

/** The rows of one workload at the headline concurrency, measured without failure. */
export function measured(table: WorkloadTable, at: { connections: number; pipelining: number }): Row[] {
  return table.rows.filter((r) => r.status === 'ok' && r.rps !== undefined && r.connections === at.connections && r.pipelining === at.pipelining);
}
