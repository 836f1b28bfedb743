// Resilience: each variant through the hostile scenarios (an idle flood with slowloris, a
// pipelining flood, a killed worker): a table per scenario, the findings on who kept serving and
// who collapsed, and the table `cbench bench` prints at the end of a resilience run.

import { DEFAULT_CONNECTION_OPTIONS } from '../../../servers/core/connection.js';
import { formatInt, formatTable, formatInt as int, formatTimes as times } from '../../lib/format.js';
import { type IdleFloodResult, type KilledWorkerResult, type PipelineFloodResult, type Resilience, type Results, whyNot } from '../../results/results.js';
import { modelOf } from '../facts.js';
import {
  answersQueuedText,
  type IdleFloodFigures,
  type KilledWorkerFigures,
  mb,
  msText,
  outcomeText,
  type PipelineFloodFigures,
  percent,
  readText,
  resilienceSettingsText,
  sec,
  spreadText,
  unmeasuredText,
} from '../resilience-text.js';
import { findingsOnly, type ReportSection } from '../section.js';
import { type Column, tableBlock } from '../table.js';

/** A variant of a resilience run: its scenarios, or why it has none. */
export interface ResilienceRow {
  variant: string;
  /** Null when the variant was not measured (refused, did not start, not run); `note` says why. */
  resilience: Resilience | null;
  note: string;
}

/** Whether the run put its variants through the resilience scenarios. */
export function isResilienceRun(results: Results): boolean {
  return (
    (results.settings.resilience !== undefined && results.settings.resilience !== null) ||
    results.variants.some((v) => (v.status === 'ok' || v.status === 'failed') && v.resilience !== undefined && v.resilience !== null)
  );
}

/** Every variant of a resilience run, in the order the run listed them; none for any other run. */
export function resilienceRows(results: Results): ResilienceRow[] {
  if (!isResilienceRun(results)) return [];
  return results.variants.map((v) => {
    const resilience = (v.status === 'ok' || v.status === 'failed' ? v.resilience : null) ?? null;
    const note = v.status === 'ok' ? '' : whyNot(v);
    return { variant: v.name, resilience, note: resilience === null && note === '' ? 'not measured' : note };
  });
}

type Measured<T> = Extract<T, { status: 'measured' }>;

/** A row's figures of each scenario, when it was measured. */
export function idleOf(row: ResilienceRow): Measured<IdleFloodResult> | undefined {
  const r = row.resilience?.idleFlood;
  return r?.status === 'measured' ? r : undefined;
}

export function floodOf(row: ResilienceRow): Measured<PipelineFloodResult> | undefined {
  const r = row.resilience?.pipelineFlood;
  return r?.status === 'measured' ? r : undefined;
}

export function killOf(row: ResilienceRow): Measured<KilledWorkerResult> | undefined {
  const r = row.resilience?.killedWorker;
  return r?.status === 'measured' ? r : undefined;
}

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

/** Ordinary requests answered at least this share of the time: the server kept serving. */
export const KEPT_SERVING = 0.99;

/** Below this share, it collapsed; in between, it was degraded. */
export const COLLAPSED = 0.5;

/** Ordinary requests answered, but with a p99 over this many times the promptest variant's, and over SLOWED_MS: answered late. */
export const SLOWED_RATIO = 10;

export const SLOWED_MS = 100;

/** The failed share a killed worker may cost at most. */
export const KILL_GOAL = 0.01;

const TITLES = { idleFlood: 'idle flood and slowloris', pipelineFlood: 'pipelining flood', killedWorker: 'killed worker' } as const;

type Key = keyof typeof TITLES;

/** Each row whose scenario was measured, with its figures. */
function measuredOf<F>(rows: ResilienceRow[], pick: (row: ResilienceRow) => F | undefined): Array<{ variant: string; f: F }> {
  return rows.flatMap((row) => {
    const f = pick(row);
    return f === undefined ? [] : [{ variant: row.variant, f }];
  });
}

/** `a`, `a and b`, `a, b and c` */
const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** `2.0–3.5` or `2.0` when they agree. */
const range = (xs: readonly number[], text: (x: number) => string) => {
  const lo = text(Math.min(...xs));
  const hi = text(Math.max(...xs));
  return lo === hi ? lo : `${lo}–${hi}`;
};

export function resilienceFindings(results: Parameters<typeof resilienceRows>[0]): string[] {
  const rows = resilienceRows(results);
  if (rows.length === 0) return [];
  const settings = results.settings.resilience ?? null;
  const out = settings === null ? [] : [`This run measured ${resilienceSettingsText(settings)}.`];
  // A model's nature, not a name, explains what it did: a variant of the blocking model added by a user is described as blocking is.
  const blocking = (variant: string) => modelOf(results, variant) === 'blocking';
  out.push(...idleFloodFindings(measuredOf(rows, idleOf), settings?.headersTimeoutMs ?? null, blocking));
  out.push(...pipelineFloodFindings(measuredOf(rows, floodOf), blocking));
  out.push(...killedWorkerFindings(rows, measuredOf(rows, killOf)));
  for (const row of rows) {
    for (const key of Object.keys(TITLES) as Key[]) {
      const r = row.resilience?.[key] ?? null;
      if (r?.status === 'failed') out.push(`${row.variant}: the ${TITLES[key]} could not be measured: ${r.reason}.`);
    }
  }
  return out;
}

function idleFloodFindings(
  measured: Array<{ variant: string; f: IdleFloodFigures }>,
  headersTimeoutMs: number | null,
  blocking: (variant: string) => boolean,
): string[] {
  if (measured.length === 0) return [];
  const out: string[] = [];
  const first = measured[0]?.f as IdleFloodFigures;
  const sameHold = measured.every((m) => m.f.idle.opened === first.idle.opened && m.f.slowloris.opened === first.slowloris.opened);
  const held = sameHold
    ? `${int(first.idle.opened)} idle and ${int(first.slowloris.opened)} slowloris connections held`
    : 'idle and slowloris connections held (as many as each could open, in the table)';
  const answered = measured.filter((m) => m.f.ordinary.successRate >= KEPT_SERVING);
  // Answered, but so much later than the promptest that what it kept was only its promise.
  const p99Of = (m: { f: IdleFloodFigures }) => m.f.ordinary.latencyMs?.p99 ?? Number.POSITIVE_INFINITY;
  const best = Math.min(...answered.map(p99Of));
  const late = answered.filter((m) => p99Of(m) > Math.max(SLOWED_MS, SLOWED_RATIO * best));
  const kept = answered.filter((m) => !late.includes(m));
  const degraded = measured.filter((m) => m.f.ordinary.successRate < KEPT_SERVING && m.f.ordinary.successRate >= COLLAPSED);
  const collapsed = measured.filter((m) => m.f.ordinary.successRate < COLLAPSED);
  const parts: string[] = [];
  if (kept.length > 0) {
    const p99s = kept.flatMap((m) => (m.f.ordinary.latencyMs === null ? [] : [m.f.ordinary.latencyMs.p99]));
    parts.push(
      `${list(kept.map((m) => m.variant))} kept serving: ${range(
        kept.map((m) => m.f.ordinary.successRate),
        percent,
      )} of ordinary requests answered${p99s.length === 0 ? '' : `, p99 ${range(p99s, msText)} ms`}`,
    );
  }
  for (const m of late) {
    const l = m.f.ordinary.latencyMs;
    parts.push(
      `${m.variant} kept answering, but late: ${percent(m.f.ordinary.successRate)} answered within ${sec(m.f.requestTimeoutMs)}` +
        (l === null ? '' : `, p50 ${msText(l.p50)} ms, p99 ${msText(l.p99)} ms (${times(l.p99 / best)} the promptest p99)`),
    );
  }
  for (const m of degraded)
    parts.push(
      `${m.variant} was degraded: ${percent(m.f.ordinary.successRate)} answered (${int(m.f.ordinary.timeouts)} timed out, ${int(m.f.ordinary.errors)} errors)`,
    );
  for (const m of collapsed)
    parts.push(
      `${m.variant} collapsed: ${percent(m.f.ordinary.successRate)} answered (${int(m.f.ordinary.ok)} of ${int(m.f.ordinary.sent)}; ${int(m.f.ordinary.timeouts)} timed out, ${int(m.f.ordinary.errors)} errors)`,
    );
  out.push(
    `Idle flood and slowloris (${held}; GET /plaintext at ${first.rateRps}/s for ${first.windowSec} s, each answered 2xx within ${sec(first.requestTimeoutMs)} or failed): ${parts.join('; ')}.`,
  );

  for (const m of [...late, ...degraded, ...collapsed]) {
    if (!blocking(m.variant)) continue;
    const f = m.f;
    const hold = f.idle.closedAfterMs;
    out.push(
      `${m.variant}'s ${collapsed.includes(m) ? 'collapse' : 'slowdown'} is its model's nature, not a bug: it serves one connection at a time, so a connection that sends nothing holds the whole server until the server gives up on it. ` +
        (hold === null
          ? `Here it did not give up on even the first held connection within the ${f.windowSec} s window`
          : `Here the first idle connection it took held it ${sec(hold.min)} (the core closes a connection that never sends a byte after its idle timeout, and answers one that sends its head too slowly 408 after its headers timeout), ` +
            `so in the window it got through ${int(f.idle.closedByServer)} of the ${int(f.idle.opened)} idle connections`) +
        `, answered ${int(f.slowloris.answered408)} of ${int(f.slowloris.opened)} slowloris connections and ${int(f.ordinary.ok)} of ${int(f.ordinary.sent)} ordinary requests, which waited in line behind them. ` +
        'Timeouts bound what one held connection costs; a server that serves one at a time pays that cost once per held connection, in series, while an event loop pays it for all of them at once.',
    );
  }

  const allTimedOut = measured.filter((m) => m.f.slowloris.opened > 0 && m.f.slowloris.answered408 === m.f.slowloris.opened);
  const slowParts = allTimedOut.map((m) => {
    const t = m.f.slowloris.answered408AfterMs;
    return t === null ? m.variant : `${m.variant} after p50 ${sec(t.p50)} (max ${sec(t.max)})`;
  });
  const headers = headersTimeoutMs ?? DEFAULT_CONNECTION_OPTIONS.headersTimeoutMs;
  const slowSentences: string[] = [];
  if (slowParts.length > 0)
    slowSentences.push(
      `${list(slowParts)} answered every slowloris connection 408 and closed it, timed from its first byte (the headers timeout: ${sec(headers)})`,
    );
  for (const m of measured.filter((x) => !allTimedOut.includes(x) && x.f.slowloris.opened > 0)) {
    const s = m.f.slowloris;
    const what = [
      ...(s.answered408 > 0 ? [`answered ${int(s.answered408)} 408`] : []),
      ...(s.otherAnswers > 0 ? [`answered ${int(s.otherAnswers)} otherwise (${Object.keys(s.statuses).join(', ')})`] : []),
      ...(s.closedUnanswered > 0 ? [`closed ${int(s.closedUnanswered)} without an answer`] : []),
      ...(s.neverAnswered > 0 ? [`left ${int(s.neverAnswered)} unanswered and open to the end`] : []),
    ];
    slowSentences.push(`${m.variant}, of ${int(s.opened)}, ${list(what)}`);
  }
  if (slowSentences.length > 0) out.push(`Slowloris: ${slowSentences.join('; ')}.`);

  const idleParts = measured
    .filter((m) => m.f.idle.opened > 0)
    .map((m) => {
      const i = m.f.idle;
      if (i.closedAfterMs === null) return `${m.variant} closed none of ${int(i.opened)}`;
      const all = i.closedByServer === i.opened ? 'every one' : `${int(i.closedByServer)} of ${int(i.opened)}`;
      const answered = i.answeredBeforeClose > 0 ? `, answering ${i.answeredBeforeClose === i.closedByServer ? 'each' : int(i.answeredBeforeClose)} first` : '';
      return `${m.variant} closed ${all} after p50 ${sec(i.closedAfterMs.p50)} (${spreadText(i.closedAfterMs)})${answered}`;
    });
  if (idleParts.length > 0) out.push(`Idle connections, timed from their connect: ${idleParts.join('; ')}.`);
  for (const m of measured) if (m.f.descriptors.note !== null) out.push(`${m.variant}: ${m.f.descriptors.note}.`);
  return out;
}

function pipelineFloodFindings(measured: Array<{ variant: string; f: PipelineFloodFigures }>, blocking: (variant: string) => boolean): string[] {
  if (measured.length === 0) return [];
  const first = measured[0]?.f as PipelineFloodFigures;
  const parts = measured.map(({ variant, f }) => {
    const rss = `RSS +${mb(f.peakRssBytes - f.idleRssBytes)} MB over idle (${mb(f.idleRssBytes)} → ${mb(f.peakRssBytes)})`;
    if (f.outcome === 'closed' && f.stoppedReading !== true) {
      const why = blocking(variant) ? ' (one request per connection: it answers the first and closes)' : '';
      return `${variant} closed the connection after ${int(f.responses)} answer${f.responses === 1 ? '' : 's'}${why}, ${rss}`;
    }
    const then =
      f.outcome === 'served'
        ? `then served all ${int(f.requests)} as the client read`
        : f.outcome === 'closed'
          ? `then closed the connection after ${int(f.responses)} answers`
          : `then neither served all nor closed within the read bound (${int(f.responses)} answers)`;
    if (f.stoppedReading === true) return `${variant} stopped reading after ${readText(f)}, its answers unread (backpressure), ${rss}, and ${then}`;
    if (f.stoppedReading === false)
      return `${variant} read all ${int(f.requests)} without stopping (${answersQueuedText(f)} of its answers waited in the kernels' buffers), ${rss}, and ${then}`;
    return `${variant} may still have been reading when the client stopped waiting for its reading to settle (5 s), so whether it stops is unknown, ${rss}, and ${then}`;
  });
  const out = [
    `Pipelining flood (${int(first.requests)} requests, ${mb(first.requests * first.requestBytes)} MB, from one client that read no answer until the server's reading settled): ${parts.join('; ')}.`,
  ];
  const grew = [...measured].sort((a, b) => b.f.peakRssBytes - b.f.idleRssBytes - (a.f.peakRssBytes - a.f.idleRssBytes));
  const most = grew[0];
  const unbounded = measured.filter((m) => m.f.stoppedReading === false).map((m) => m.variant);
  const unknown = measured.filter((m) => m.f.stoppedReading === null && m.f.outcome !== 'closed').map((m) => m.variant);
  if (unknown.length > 0)
    out.push(
      `Whether ${unknown.join(' and ')} read the flood without bound is not known: ${unknown.length === 1 ? 'its' : 'their'} reading had not settled within 5 s.`,
    );
  else if (unbounded.length === 0)
    out.push(
      `No server measured read the flood without bound: each stopped reading once its answers could not leave, or closed the connection; the largest growth of memory was ${most?.variant}'s, ` +
        `+${mb((most?.f.peakRssBytes ?? 0) - (most?.f.idleRssBytes ?? 0))} MB. What the client sent beyond what the servers read waited in the kernels' buffers ` +
        `(the client's send buffer grows to megabytes on loopback), not in the servers.`,
    );
  else
    out.push(
      `${list(unbounded)} read the whole flood without stopping: the kernels' buffers took ${unbounded.length === 1 ? 'its' : 'their'} answers, so ${unbounded.length === 1 ? 'it' : 'they'} never had to; ` +
        'a larger flood (--pipelined-requests) would show whether they stop once those buffers are full, or hold the rest in memory.',
    );
  return out;
}

function killedWorkerFindings(rows: ResilienceRow[], measured: Array<{ variant: string; f: KilledWorkerFigures }>): string[] {
  const out = measured.map(({ variant, f }) => {
    const goal = f.failedShare < KILL_GOAL ? `within the goal of ${percent(KILL_GOAL)}` : `above the goal of ${percent(KILL_GOAL)}`;
    const others = f.workers - 1;
    return (
      `Killed worker: SIGKILL of one of ${variant}'s ${f.workers} worker processes under ${f.durationSec} s of load at ${f.connections} connections: ` +
      `${int(f.failed)} of ${int(f.requests + f.failed)} requests failed (${percent(f.failedShare)}, ${goal}: those in flight on the dead worker's connections); ` +
      (f.replacedAfterMs === null
        ? 'no replacement process appeared within 10 s'
        : `the primary's replacement process appeared ${int(f.replacedAfterMs)} ms after the kill and ` +
          (f.servingAfterMs === null ? 'was not seen serving within 10 s' : `served its first request ${int(f.servingAfterMs)} ms after it`)) +
      (others > 0
        ? `, while the other ${others === 1 ? 'worker' : `${others} workers`} went on serving.`
        : '; with no other worker, nothing served in between.')
    );
  });
  const byReason = new Map<string, string[]>();
  for (const row of rows) {
    const r = row.resilience?.killedWorker ?? null;
    if (r?.status === 'not-applicable') byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), row.variant]);
  }
  for (const [reason, names] of byReason) out.push(`Killed worker: not applicable to ${list(names)}: ${reason}.`);
  return out;
}

/**
 * A line per variant of a resilience run, for `cbench bench` to print at its end: how ordinary
 * requests fared under the idle flood and slowloris, when the slowloris and idle connections
 * were let go, what the pipelining flood did, and the killed worker.
 */
export function resilienceSummary(results: Results): string {
  const head = [
    'variant',
    'ordinary ok',
    'p99 ms',
    'slowloris 408 p50',
    'idle closed p50',
    'flood: read before stopping',
    'RSS +MB',
    'then',
    'killed worker: failed',
    'serving after ms',
    'note',
  ];
  const rows: string[][] = [head];
  for (const row of resilienceRows(results)) {
    const r = row.resilience;
    const notes: string[] = row.note === '' ? [] : [row.note];
    const i = r?.idleFlood ?? null;
    const f = r?.pipelineFlood ?? null;
    const k = r?.killedWorker ?? null;
    const idle =
      i?.status === 'measured'
        ? [
            `${percent(i.ordinary.successRate)} of ${formatInt(i.ordinary.sent)}`,
            i.ordinary.latencyMs === null ? '—' : msText(i.ordinary.latencyMs.p99),
            i.slowloris.answered408AfterMs === null ? `none of ${i.slowloris.opened}` : sec(i.slowloris.answered408AfterMs.p50),
            i.idle.closedAfterMs === null
              ? `none of ${formatInt(i.idle.opened)}`
              : `${sec(i.idle.closedAfterMs.p50)}${i.idle.openAtEnd > 0 ? ` (${formatInt(i.idle.closedByServer)} of ${formatInt(i.idle.opened)})` : ''}`,
          ]
        : ['—', '—', '—', '—'];
    if (r !== null && i?.status !== 'measured') notes.push(`idle flood ${unmeasuredText(i)}`);
    const flood =
      f?.status === 'measured'
        ? [
            f.stoppedReading === true && f.serverReadBytes !== null
              ? `${formatInt(Math.floor(f.serverReadBytes / f.requestBytes))} of ${formatInt(f.requests)}`
              : f.stoppedReading === false
                ? `all ${formatInt(f.requests)} (did not stop)`
                : '—',
            mb(f.peakRssBytes - f.idleRssBytes),
            f.outcome === 'served' ? 'served all' : f.outcome === 'closed' ? `closed after ${formatInt(f.responses)}` : 'gave up',
          ]
        : ['—', '—', '—'];
    if (r !== null && f?.status !== 'measured') notes.push(`flood ${unmeasuredText(f)}`);
    const kill =
      k?.status === 'measured'
        ? [percent(k.failedShare), k.servingAfterMs === null ? 'never' : formatInt(k.servingAfterMs)]
        : [k?.status === 'not-applicable' ? 'n/a' : '—', '—'];
    if (r !== null && k?.status === 'failed') notes.push(`killed worker ${unmeasuredText(k)}`);
    rows.push([row.variant, ...idle, ...flood, ...kill, notes.join('; ').slice(0, 100)]);
  }
  const s = results.settings.resilience;
  const legend =
    s === undefined || s === null
      ? ''
      : `\nordinary: GET /plaintext at ${s.ordinaryRps}/s for ${s.windowSec} s during ${formatInt(s.idleConnections)} idle and ${formatInt(s.slowlorisConnections)} slowloris connections, ok = 2xx within ${sec(s.requestTimeoutMs)}; ` +
        `flood: ${formatInt(s.pipelinedRequests)} pipelined requests unread; n/a: no worker process to kill`;
  return `${formatTable(rows, (c) => c >= 1 && c < head.length - 1)}${legend}`;
}

/** Resilience: a table per scenario across the variants, its findings, and its summary table. */
export const resilienceSection: ReportSection = {
  id: 'resilience',
  figureOrder: 4,
  header: () => [],
  findings: (r) => findingsOnly(resilienceFindings(r)),
  tables: (r) => {
    if (!isResilienceRun(r)) return { blocks: [] };
    const rows = resilienceRows(r);
    return {
      title: 'Resilience',
      intro: RESILIENCE_INTRO,
      blocks: RESILIENCE_TABLES.map((t) =>
        tableBlock(t.heading, t.intro, t.columns, rows, (row) => row.resilience?.[t.key]?.status !== 'measured', ` data-scenario="${t.key}"`),
      ),
    };
  },
  // A resilience run has no cells to chart.
  charts: async () => [],
  terminal: (r) => (r.settings.resilience === undefined || r.settings.resilience === null ? '' : resilienceSummary(r)),
};
