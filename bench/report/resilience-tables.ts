// The Resilience section's tables, for report.md and report.html alike: a table per scenario
// across the variants, each row a variant's figures or why it has none.

import { formatInt as int } from '../lib/format.js';
import { floodOf, idleOf, killOf, type ResilienceRow } from './model.js';
import { answersQueuedText, mb, msText, outcomeText, percent, readText, spreadText, unmeasuredText } from './resilience-text.js';
import type { Column } from './write.js';

/** What the Resilience section is. */
export const RESILIENCE_INTRO =
  'Each variant through three hostile scenarios, each on a fresh server process: what a concurrency model does when clients hold connections without finishing a request, ' +
  'flood one connection with requests they do not read the answers to, or when one of its worker processes dies. The findings above say which kept serving and which collapsed.';

/** A column of a resilience table: its figure from a scenario measured, `—` from any other row. */
function scenarioColumn<T>(
  head: string,
  pick: (row: ResilienceRow) => T | undefined,
  text: (f: T) => string,
  value: (f: T) => number | string,
): Column<ResilienceRow> {
  return {
    head,
    text: (row) => {
      const f = pick(row);
      return f === undefined ? '—' : text(f);
    },
    value: (row) => {
      const f = pick(row);
      return f === undefined ? -1 : value(f);
    },
  };
}

/** A resilience row's note for one scenario: why it has no figures (the variant's, or the scenario's own reason), or what limited it. */
function scenarioNote(key: 'idleFlood' | 'pipelineFlood' | 'killedWorker', extra: (row: ResilienceRow) => string = () => '') {
  return (row: ResilienceRow) => {
    if (row.resilience === null) return row.note;
    const r = row.resilience[key];
    return r === null || r.status !== 'measured' ? unmeasuredText(r) : extra(row);
  };
}

const idleNote = scenarioNote('idleFlood', (row) => idleOf(row)?.descriptors.note ?? '');
const floodNote = scenarioNote('pipelineFlood');
const killNote = scenarioNote('killedWorker');
const count = (n: number, of: number) => `${int(n)}/${int(of)}`;

/** The idle flood with slowloris: how ordinary requests fared, and what the server did with the held connections. */
const IDLE_FLOOD_COLUMNS: Array<Column<ResilienceRow>> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  scenarioColumn(
    'ordinary answered',
    idleOf,
    (f) => `${count(f.ordinary.ok, f.ordinary.sent)} (${percent(f.ordinary.successRate)})`,
    (f) => f.ordinary.successRate,
  ),
  scenarioColumn(
    'ordinary p50 / p99 ms',
    idleOf,
    (f) => (f.ordinary.latencyMs === null ? '—' : `${msText(f.ordinary.latencyMs.p50)} / ${msText(f.ordinary.latencyMs.p99)}`),
    (f) => f.ordinary.latencyMs?.p99 ?? -1,
  ),
  scenarioColumn(
    'timeouts / errors',
    idleOf,
    (f) => `${int(f.ordinary.timeouts)} / ${int(f.ordinary.errors + f.ordinary.non2xx)}`,
    (f) => f.ordinary.timeouts + f.ordinary.errors + f.ordinary.non2xx,
  ),
  scenarioColumn(
    'slowloris answered 408',
    idleOf,
    (f) => count(f.slowloris.answered408, f.slowloris.opened),
    (f) => f.slowloris.answered408,
  ),
  scenarioColumn(
    '408 after p50 / max s',
    idleOf,
    (f) => {
      const t = f.slowloris.answered408AfterMs;
      return t === null ? '—' : `${(t.p50 / 1000).toFixed(1)} / ${(t.max / 1000).toFixed(1)}`;
    },
    (f) => f.slowloris.answered408AfterMs?.p50 ?? -1,
  ),
  scenarioColumn(
    'slowloris never answered',
    idleOf,
    (f) => int(f.slowloris.neverAnswered + f.slowloris.closedUnanswered),
    (f) => f.slowloris.neverAnswered,
  ),
  scenarioColumn(
    'idle closed by server',
    idleOf,
    (f) => count(f.idle.closedByServer, f.idle.opened),
    (f) => f.idle.closedByServer,
  ),
  scenarioColumn(
    'idle closed after p50 (min–max) s',
    idleOf,
    (f) => (f.idle.closedAfterMs === null ? '—' : `${(f.idle.closedAfterMs.p50 / 1000).toFixed(1)} (${spreadText(f.idle.closedAfterMs).replace(' s', '')})`),
    (f) => f.idle.closedAfterMs?.p50 ?? -1,
  ),
  scenarioColumn(
    'peak RSS MB',
    idleOf,
    (f) => (f.serverPeakRssBytes === null ? '—' : mb(f.serverPeakRssBytes)),
    (f) => f.serverPeakRssBytes ?? -1,
  ),
  { head: 'note', text: idleNote, value: idleNote },
];

/** The pipelining flood: what the server read before it stopped, its memory, and how it ended. */
const PIPELINE_FLOOD_COLUMNS: Array<Column<ResilienceRow>> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  scenarioColumn(
    'read before stopping',
    floodOf,
    (f) => (f.stoppedReading === false ? `all ${int(f.requests)} (did not stop)` : readText(f)),
    (f) => f.serverReadBytes ?? -1,
  ),
  scenarioColumn(
    'requests waiting in kernel buffers KB',
    floodOf,
    (f) => (f.queuedBytes === null ? '—' : int((f.queuedBytes.client + f.queuedBytes.server) / 1024)),
    (f) => (f.queuedBytes === null ? -1 : f.queuedBytes.client + f.queuedBytes.server),
  ),
  scenarioColumn('answers waiting in kernel buffers', floodOf, answersQueuedText, (f) =>
    f.answersQueuedBytes === null ? -1 : f.answersQueuedBytes.client + f.answersQueuedBytes.server,
  ),
  scenarioColumn(
    'writes stalled after ms',
    floodOf,
    (f) => (f.stalledAfterMs === null ? 'no' : int(f.stalledAfterMs)),
    (f) => f.stalledAfterMs ?? -1,
  ),
  scenarioColumn('then', floodOf, outcomeText, (f) => f.outcome),
  scenarioColumn(
    'idle RSS MB',
    floodOf,
    (f) => mb(f.idleRssBytes),
    (f) => f.idleRssBytes,
  ),
  scenarioColumn(
    'peak RSS MB',
    floodOf,
    (f) => mb(f.peakRssBytes),
    (f) => f.peakRssBytes,
  ),
  scenarioColumn(
    'RSS growth MB',
    floodOf,
    (f) => mb(f.peakRssBytes - f.idleRssBytes),
    (f) => f.peakRssBytes - f.idleRssBytes,
  ),
  { head: 'note', text: floodNote, value: floodNote },
];

/** The killed worker: failures, and how long until the replacement served. */
const KILLED_WORKER_COLUMNS: Array<Column<ResilienceRow>> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  scenarioColumn(
    'workers',
    killOf,
    (f) => String(f.workers),
    (f) => f.workers,
  ),
  scenarioColumn(
    'requests',
    killOf,
    (f) => int(f.requests + f.failed),
    (f) => f.requests + f.failed,
  ),
  scenarioColumn(
    'failed',
    killOf,
    (f) => `${int(f.failed)} (${percent(f.failedShare)})`,
    (f) => f.failedShare,
  ),
  scenarioColumn(
    'replacement started after ms',
    killOf,
    (f) => (f.replacedAfterMs === null ? 'never' : int(f.replacedAfterMs)),
    (f) => f.replacedAfterMs ?? -1,
  ),
  scenarioColumn(
    'replacement serving after ms',
    killOf,
    (f) => (f.servingAfterMs === null ? 'never' : int(f.servingAfterMs)),
    (f) => f.servingAfterMs ?? -1,
  ),
  { head: 'note', text: killNote, value: killNote },
];

/** The three tables of the Resilience section: heading, how to read it, columns. */
export const RESILIENCE_TABLES: ReadonlyArray<{
  key: 'idleFlood' | 'pipelineFlood' | 'killedWorker';
  heading: string;
  intro: string;
  columns: Array<Column<ResilienceRow>>;
}> = [
  {
    key: 'idleFlood',
    heading: 'Idle flood and slowloris',
    intro:
      'While the idle connections sat connected without a byte sent and the slowloris ones sent a request head a byte at a time, never finished, ' +
      'ordinary GET /plaintext requests arrived at a fixed rate, each on a fresh connection (a new visitor, who must be accepted and read), their latency counted from when each was due. ' +
      '**Ordinary answered**: 2xx within the per-request timeout. **408 after**: from a slowloris connection’s first byte until it was answered 408 and closed. ' +
      '**Idle closed**: connections the server closed, and how long after their connect.',
    columns: IDLE_FLOOD_COLUMNS,
  },
  {
    key: 'pipelineFlood',
    heading: 'Pipelining flood',
    intro:
      'One client wrote pipelined requests without reading an answer until the server’s reading settled, then read. **Read before stopping**: what the server’s process had read by then, ' +
      'from what the client’s kernel had taken less what still waited in the two ends’ queues (/proc/net/tcp); a server with backpressure stops reading once its answers cannot leave. ' +
      '**RSS**: its process tree’s, just before the flood and at its peak during it.',
    columns: PIPELINE_FLOOD_COLUMNS,
  },
  {
    key: 'killedWorker',
    heading: 'Killed worker',
    intro:
      'Under steady closed-loop load, one worker process (its pid from the server’s process tree) was killed with SIGKILL. **Failed**: errors, timeouts, resets and non-2xx over all requests (goal: under 1%). ' +
      '**Replacement serving after**: from the kill to the first request found answered by the new worker (a probe whose connection the new process holds, /proc).',
    columns: KILLED_WORKER_COLUMNS,
  },
];
