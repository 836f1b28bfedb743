// Reports of segments of one run (segment.ts), run side by side in threads, processes or on
// other machines, merged into the report the whole run would have given: HdrHistograms added, so
// every percentile is exact, not an average of percentiles; counts summed; fairness over all the
// connections together; first responses pooled.

import * as hdr from 'hdr-histogram-js';
import { sum } from 'simple-statistics';
import { z } from 'zod';
import { loadReportSchema } from '../results/sample.js';
import { fairnessOf, firstResponseMsOf, type LoadOptions, type LoadReport, newHistogram, percentilesMs, type ReportHistograms } from './engine.js';
import { type Bound, boundText, boundValue, rangeText, WHOLE } from './segment.js';

/** How the parts' CPU readings add up. */
export interface MergeOptions {
  /**
   * The parts are threads of one process: each read the process's CPU, so the generator's is the
   * largest reading, not the sum. Otherwise (processes, machines) each read its own, and they add.
   */
  sameProcess: boolean;
}

/** The histograms encoded in `encoded`, added into one. */
function added(encoded: readonly string[]): hdr.Histogram {
  const sum = newHistogram();
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e, 32, false);
    sum.add(h);
    h.destroy();
  }
  return sum;
}

/**
 * Percentiles of the histograms added, and the sum encoded again, so that merges compose. A
 * histogram keeps its largest value only to its bucket's precision once added to another, so the
 * max is the largest of the parts' exact ones (`maxMs`), and no percentile is above it.
 */
function mergedHistogram(encoded: readonly string[], maxMs: readonly number[]) {
  const h = added(encoded);
  const ms = percentilesMs(h);
  const max = Math.max(...maxMs);
  const cap = (x: number) => Math.min(x, max);
  const out = {
    ms: { mean: ms.mean, p50: cap(ms.p50), p90: cap(ms.p90), p99: cap(ms.p99), p99_9: cap(ms.p99_9), p99_99: cap(ms.p99_99), max },
    encoded: hdr.encodeIntoCompressedBase64(h),
  };
  h.destroy();
  return out;
}

/** A reading the parts share (the server's, read by each around the same window): the largest; null when none had one. */
const shared = (xs: ReadonlyArray<number | null | undefined>) => {
  const known = xs.filter((x): x is number => typeof x === 'number');
  return known.length === 0 ? null : Math.max(...known);
};

/** The report of the whole run from its segments' reports (at least one). Throws when they cannot be one run's. */
export function mergeReports(parts: readonly LoadReport[], o: MergeOptions): LoadReport {
  const [first] = parts;
  if (first === undefined) throw new Error('mergeReports: nothing to merge');
  const open = first.openLoop !== null;
  if (parts.some((p) => (p.openLoop !== null) !== open)) throw new Error('mergeReports: an open loop and a closed loop are not one run');
  if (parts.some((p) => p.routes.length !== first.routes.length || p.routes.some((r, i) => r.label !== first.routes[i]?.label)))
    throw new Error('mergeReports: the parts sent different mixes');
  if (parts.some((p) => p.histograms === undefined))
    throw new Error('mergeReports: a part without its histograms (from a build before they were recorded) cannot be merged exactly');
  const cpu = (xs: number[]) => (o.sameProcess ? Math.max(...xs) : sum(xs));
  const cpuOrNull = (xs: ReadonlyArray<number | null | undefined>) => {
    const known = xs.filter((x): x is number => typeof x === 'number');
    return known.length === 0 ? null : cpu(known);
  };
  const latency = mergedHistogram(
    parts.map((p) => p.histograms.latency),
    parts.map((p) => p.latencyMs.max),
  );
  // Without a mix, the one route's distribution is the run's own (the engine keeps no second copy).
  const routeHistogram = (p: LoadReport, i: number) => p.histograms.routes[i] ?? p.histograms.latency;
  const routes = first.routes.map((r, i) => {
    const h = mergedHistogram(
      parts.map((p) => routeHistogram(p, i)),
      parts.map((p) => p.routes[i]?.latencyMs.max ?? 0),
    );
    return {
      label: r.label,
      requests: sum(parts.map((p) => p.routes[i]?.requests ?? 0)),
      non2xx: sum(parts.map((p) => p.routes[i]?.non2xx ?? 0)),
      latencyMs: h.ms,
      encoded: h.encoded,
    };
  });
  const firstResponses = parts.flatMap((p) => p.firstResponses).sort((a, b) => a - b);
  const perConnection = parts.flatMap((p) => p.perConnection);
  const connections = sum(parts.map((p) => p.perConnection.length));
  let openLoop: LoadReport['openLoop'] = null;
  let openHistograms: ReportHistograms['openLoop'] = null;
  if (open) {
    const loops = parts.map((p) => p.openLoop as NonNullable<LoadReport['openLoop']>);
    type OpenHistograms = NonNullable<ReportHistograms['openLoop']>;
    const h = (pick: (x: OpenHistograms) => string, max: (l: NonNullable<LoadReport['openLoop']>) => number) =>
      mergedHistogram(
        parts.map((p) => pick(p.histograms.openLoop as OpenHistograms)),
        loops.map(max),
      );
    const notHeld = h(
      (x) => x.notHeld,
      (l) => l.notHeldLatencyMs.max,
    );
    const sendLag = h(
      (x) => x.sendLag,
      (l) => l.sendLagMs.max,
    );
    const scheduleLag = h(
      (x) => x.scheduleLag,
      (l) => l.scheduleLagMs.max,
    );
    const loopDelay = h(
      (x) => x.loopDelay,
      (l) => l.loopDelayMs.max,
    );
    openLoop = {
      offeredRps: sum(loops.map((l) => l.offeredRps)),
      arrivals: loops[0]?.arrivals ?? 'constant',
      due: sum(loops.map((l) => l.due)),
      late: sum(loops.map((l) => l.late)),
      unsent: sum(loops.map((l) => l.unsent)),
      sendLagMs: sendLag.ms,
      scheduleLagMs: scheduleLag.ms,
      loopDelayMs: loopDelay.ms,
      heldUp: sum(loops.map((l) => l.heldUp)),
      notHeldLatencyMs: notHeld.ms,
    };
    openHistograms = { notHeld: notHeld.encoded, sendLag: sendLag.encoded, scheduleLag: scheduleLag.encoded, loopDelay: loopDelay.encoded };
  }
  const requests = sum(parts.map((p) => p.requests));
  const durationSec = Math.max(...parts.map((p) => p.durationSec));
  return {
    requests,
    // Segments run at once: the window is the longest of theirs, and the rates are of it (not the
    // sum of theirs: a part that finished its share of a request count early would count twice).
    durationSec,
    requestsPerSec: durationSec > 0 ? requests / durationSec : 0,
    bytesPerSec: durationSec > 0 ? sum(parts.map((p) => p.bytesPerSec * p.durationSec)) / durationSec : 0,
    latencyMs: latency.ms,
    errors: sum(parts.map((p) => p.errors)),
    timeouts: sum(parts.map((p) => p.timeouts)),
    non2xx: sum(parts.map((p) => p.non2xx)),
    resets: sum(parts.map((p) => p.resets)),
    reconnects: sum(parts.map((p) => p.reconnects)),
    perConnection,
    fairness: fairnessOf(perConnection),
    firstResponseMs: firstResponseMsOf(firstResponses, connections),
    loadgenCpuSec: cpu(parts.map((p) => p.loadgenCpuSec)),
    serverCpuSec: shared(parts.map((p) => p.serverCpuSec)),
    serverCpusBusySec: shared(parts.map((p) => p.serverCpusBusySec)),
    loadgenCpusBusySec: cpuOrNull(parts.map((p) => p.loadgenCpusBusySec)),
    routes: routes.map(({ encoded: _, ...r }) => r),
    // Without a mix, the one route's distribution is the run's own, as the engine leaves it.
    histograms: { latency: latency.encoded, routes: first.histograms.routes.length === 0 ? [] : routes.map((r) => r.encoded), openLoop: openHistograms },
    firstResponses,
    openLoop,
  };
}

const boundSchema = z.object({ num: z.number().int().nonnegative(), den: z.number().int().positive() });

/** A segment's report as it leaves its process or machine (`cbench load --sample FILE`), for `cbench merge`. */
export const loadSampleFileSchema = z.object({
  schema: z.literal('concurrency-bench/load-sample'),
  version: z.literal(1),
  url: z.string(),
  /** The run the segment is a part of: everything but the segment must be the same in every part. */
  run: z.object({
    method: z.string(),
    headers: z.array(z.tuple([z.string(), z.string()])),
    warmupSec: z.number().nonnegative(),
    timeoutSec: z.number().positive(),
    seed: z.number(),
    connections: z.number().int().positive(),
    pipelining: z.number().int().positive(),
    durationSec: z.number().positive().nullable(),
    requests: z.number().int().positive().nullable(),
    rate: z.number().positive().nullable(),
    arrivals: z.enum(['constant', 'poisson']).nullable(),
    bodyBytes: z.number().int().nonnegative(),
  }),
  /** Its bounds as fractions in whole numbers (segment.ts). */
  segment: z.object({ from: boundSchema, to: boundSchema }),
  report: loadReportSchema,
});
export type LoadSampleFile = z.infer<typeof loadSampleFileSchema>;

/** The file `cbench load --sample` writes of one run (a segment, or the whole). */
export function sampleFile(url: string, o: LoadOptions, report: LoadReport): LoadSampleFile {
  return {
    schema: 'concurrency-bench/load-sample',
    version: 1,
    url,
    run: {
      method: o.method,
      headers: o.headers.map(([n, v]) => [n, v]),
      warmupSec: o.warmupSec ?? 0,
      timeoutSec: o.timeoutSec,
      seed: o.seed ?? 1,
      connections: o.connections,
      pipelining: o.pipelining,
      durationSec: o.durationSec ?? null,
      requests: o.requests ?? null,
      rate: o.rate ?? null,
      arrivals: o.rate === undefined ? null : (o.arrivals ?? 'constant'),
      bodyBytes: o.body?.length ?? 0,
    },
    segment: { from: o.segment?.from ?? WHOLE.from, to: o.segment?.to ?? WHOLE.to },
    report,
  };
}

/**
 * The samples of one run's segments merged: they must be of the same run (URL and options) and
 * their segments must make up the whole, none missing and none twice. Throws an Error saying which
 * sample does not fit.
 */
export function mergeSampleFiles(files: ReadonlyArray<{ name: string; sample: LoadSampleFile }>): LoadSampleFile {
  const [first] = files;
  if (first === undefined) throw new Error('no sample to merge');
  for (const f of files)
    if (f.sample.url !== first.sample.url || JSON.stringify(f.sample.run) !== JSON.stringify(first.sample.run))
      throw new Error(`${f.name} is of another run than ${first.name} (its URL or options differ): segments merge only with the other parts of their own run`);
  const sorted = [...files].sort((a, b) => boundValue(a.sample.segment.from) - boundValue(b.sample.segment.from));
  // Compared as fractions, exactly: a/b against c/d by a × d against c × b.
  const cmp = (a: Bound, b: Bound) => a.num * b.den - b.num * a.den;
  let at: Bound = WHOLE.from;
  for (const f of sorted) {
    const { from, to } = f.sample.segment;
    if (cmp(from, at) > 0) throw new Error(`no sample covers ${rangeText({ from: at, to: from })} of the run: the segments do not make up the whole`);
    if (cmp(from, at) < 0) throw new Error(`${f.name} (${rangeText({ from, to })}) overlaps another sample's segment`);
    at = to;
  }
  if (cmp(at, WHOLE.to) < 0) throw new Error(`no sample covers ${boundText(at)}:1 of the run: the segments do not make up the whole`);
  return {
    ...first.sample,
    segment: { from: WHOLE.from, to: WHOLE.to },
    report: mergeReports(
      files.map((f) => f.sample.report),
      { sameProcess: false },
    ),
  };
}
