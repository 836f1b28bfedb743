// How the resilience scenarios' figures read, in the log, the terminal summary, report.md and
// report.html alike: one place, so they agree.

import { formatInt as int } from '../lib/format.js';
import type { IdleFloodResult, KilledWorkerResult, PipelineFloodResult, ResilienceSettingsRecord } from '../results/results.js';

type Measured<T> = Extract<T, { status: 'measured' }>;
export type IdleFloodFigures = Measured<IdleFloodResult>;
export type PipelineFloodFigures = Measured<PipelineFloodResult>;
export type KilledWorkerFigures = Measured<KilledWorkerResult>;

/** Seconds from ms, one decimal: 10.0 s. */
export const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** A latency in ms: one decimal below 100, whole from there. */
export const msText = (x: number) => (x >= 100 ? int(x) : x.toFixed(1));
/** Bytes as MB, one decimal. */
export const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
/** A share as a percentage: 100%, 99.5%, 0.0016%. */
export const percent = (x: number) => {
  const p = x * 100;
  if (p === 0 || p === 100) return `${p}%`;
  return p >= 1 ? `${Math.round(p * 10) / 10}%` : `${Number(p.toPrecision(2))}%`;
};

/** The extremes of some times as `1.0–5.0 s`, or `1.0 s` when they agree to the tenth. */
export function spreadText(t: { min: number; max: number }): string {
  const lo = (t.min / 1000).toFixed(1);
  const hi = (t.max / 1000).toFixed(1);
  return lo === hi ? `${lo} s` : `${lo}–${hi} s`;
}

/** What a scenario that was not measured says instead of its figures. */
export function unmeasuredText(r: { status: 'not-applicable' | 'failed'; reason: string } | null): string {
  if (r === null) return 'not run: the run was interrupted first';
  return r.status === 'failed' ? `FAILED: ${r.reason}` : `not applicable: ${r.reason}`;
}

/** `750/750 answered (100%)`, with the timeouts and errors when there were some. */
export function ordinaryText(f: IdleFloodFigures): string {
  const o = f.ordinary;
  const lost = [
    ...(o.timeouts > 0 ? [`${int(o.timeouts)} timed out`] : []),
    ...(o.errors > 0 ? [`${int(o.errors)} errors`] : []),
    ...(o.non2xx > 0 ? [`${int(o.non2xx)} non-2xx`] : []),
  ];
  return `${int(o.ok)}/${int(o.sent)} answered (${percent(o.successRate)})${lost.length === 0 ? '' : `: ${lost.join(', ')}`}`;
}

/** `200/200 answered 408 after p50 10.0 s (max 10.1 s)`, or how many were never answered. */
export function slowlorisText(f: IdleFloodFigures): string {
  const s = f.slowloris;
  if (s.opened === 0) return 'none opened';
  const parts = [`${int(s.answered408)}/${int(s.opened)} answered 408`];
  if (s.answered408AfterMs !== null) parts[0] += ` after p50 ${sec(s.answered408AfterMs.p50)} (max ${sec(s.answered408AfterMs.max)})`;
  if (s.otherAnswers > 0) parts.push(`${int(s.otherAnswers)} answered otherwise (${Object.keys(s.statuses).join(', ')})`);
  if (s.closedUnanswered > 0) parts.push(`${int(s.closedUnanswered)} closed unanswered`);
  if (s.neverAnswered > 0) parts.push(`${int(s.neverAnswered)} never answered`);
  return parts.join(', ');
}

/** `5,000/5,000 closed by the server after p50 5.1 s`, with what was left open. */
export function idleText(f: IdleFloodFigures): string {
  const i = f.idle;
  if (i.opened === 0) return 'none opened';
  let text = `${int(i.closedByServer)}/${int(i.opened)} closed by the server`;
  if (i.closedAfterMs !== null) text += ` after p50 ${sec(i.closedAfterMs.p50)} (${spreadText(i.closedAfterMs)})`;
  if (i.answeredBeforeClose > 0) text += `, ${int(i.answeredBeforeClose)} of them answered first`;
  if (i.openAtEnd > 0) text += `, ${int(i.openAtEnd)} still open at the end`;
  return text;
}

/** One line for the idle flood: ordinary requests, slowloris, idle connections. */
export function idleFloodLine(r: IdleFloodResult | null): string {
  if (r === null || r.status !== 'measured') return unmeasuredText(r);
  const l = r.ordinary.latencyMs;
  return (
    `ordinary ${ordinaryText(r)}${l === null ? '' : `, p50 ${msText(l.p50)} ms, p99 ${msText(l.p99)} ms`}; ` +
    `slowloris ${slowlorisText(r)}; idle ${idleText(r)}${r.descriptors.note === null ? '' : `; ${r.descriptors.note}`}`
  );
}

/** What the server read before it stopped: `32,713 requests (1.6 MB)`. */
export function readText(f: PipelineFloodFigures): string {
  return f.serverReadBytes === null ? '—' : `${int(Math.floor(f.serverReadBytes / f.requestBytes))} requests (${mb(f.serverReadBytes)} MB)`;
}

/** How the flood ended: `served all 100,000`, `closed after 1 answer`, `gave up after 3 answers`. */
export function outcomeText(f: PipelineFloodFigures): string {
  const answers = `${int(f.responses)} answer${f.responses === 1 ? '' : 's'}`;
  if (f.outcome === 'served') return `served all ${int(f.requests)}`;
  if (f.outcome === 'closed') return `closed the connection after ${answers}`;
  return `neither served all nor closed within the bound (${answers})`;
}

/** `53.7 → 61.6 MB (+7.9)` */
export function rssText(f: PipelineFloodFigures): string {
  return `${mb(f.idleRssBytes)} → ${mb(f.peakRssBytes)} MB (+${mb(f.peakRssBytes - f.idleRssBytes)})`;
}

/** Answer bytes waiting in the kernels' buffers when the server's reading settled: `2,900 KB`. */
export function answersQueuedText(f: PipelineFloodFigures): string {
  const a = f.answersQueuedBytes;
  return a === null ? '—' : `${int((a.client + a.server) / 1024)} KB`;
}

/** One line for the pipelining flood. */
export function pipelineFloodLine(r: PipelineFloodResult | null): string {
  if (r === null || r.status !== 'measured') return unmeasuredText(r);
  const reading =
    r.stoppedReading === true
      ? `read ${readText(r)} of ${int(r.requests)} and stopped reading; `
      : r.stoppedReading === false
        ? `read all ${int(r.requests)} without stopping (${answersQueuedText(r)} of answers waited in the kernels' buffers); `
        : '';
  return `${reading}${outcomeText(r)}; RSS ${rssText(r)}`;
}

/** One line for the killed worker. */
export function killedWorkerLine(r: KilledWorkerResult | null): string {
  if (r === null || r.status !== 'measured') return unmeasuredText(r);
  return (
    `1 of ${r.workers} workers killed under ${r.durationSec} s of load: ${int(r.failed)} of ${int(r.requests + r.failed)} requests failed (${percent(r.failedShare)}); ` +
    `replacement ${r.replacedAfterMs === null ? 'not started within 10 s' : `started after ${int(r.replacedAfterMs)} ms`}, ` +
    `${r.servingAfterMs === null ? 'not seen serving' : `serving ${int(r.servingAfterMs)} ms after the kill`}`
  );
}

/** What the run did, for the report's header. */
export function resilienceSettingsText(r: ResilienceSettingsRecord): string {
  const timeouts =
    r.headersTimeoutMs === null && r.keepAliveTimeoutMs === null
      ? "the servers' default timeouts"
      : `servers' timeouts: headers ${r.headersTimeoutMs === null ? 'default' : `${r.headersTimeoutMs} ms`}, idle keep-alive ${r.keepAliveTimeoutMs === null ? 'default' : `${r.keepAliveTimeoutMs} ms`}`;
  return (
    `${int(r.idleConnections)} idle and ${int(r.slowlorisConnections)} slowloris connections (a byte every ${sec(r.slowlorisIntervalMs)}) ` +
    `while GET /plaintext arrived at ${r.ordinaryRps}/s for ${r.windowSec} s, each on a fresh connection, to be answered within ${sec(r.requestTimeoutMs)}; ` +
    `${int(r.pipelinedRequests)} pipelined requests from a client that read nothing; SIGKILL of one of ${r.killWorkers} worker processes ` +
    `${r.killAtSec} s into ${r.killLoadSec} s of load at ${r.killConnections} connections; ${timeouts}`
  );
}
