// Measuring contenders side by side: one sample of a cell each, in turn (A B, B A, ...), with a
// fresh server for every sample, so that drift on a noisy machine falls on all of them alike.
// The A/B run alternates two builds of a variant; bench:cpu alternates two variants. Each sample
// records the machine's speed just before and after it (canary.ts), with the server stopped.

import { cellFromRepetitions } from '../analysis/repetitions.js';
import { canaryMs } from '../lib/canary.js';
import type { Cell } from '../plan/scenarios.js';
import type { CellResult, Repetition } from '../results/results.js';
import type { Started } from './lifecycle.js';
import { type CellContext, cellKey, failedCell, runCell, startedServer } from './measure.js';

/** One of the things measured alternately: its name, and how to start its server for one sample. */
export interface Contender {
  readonly name: string;
  start(): Promise<Started>;
}

/**
 * ctx.settings.repetitions samples of `cell` per contender, each on a server of its own. A
 * contender whose server fails to start, or crashes or stops answering in a sample, gets a failed
 * cell with the reason (and the samples it finished); the others go on to the end.
 */
export async function sampleAlternately(
  contenders: readonly Contender[],
  cell: Cell,
  ctx: CellContext & { onSample?: (contender: string, sample: Repetition | undefined) => void },
): Promise<Map<string, CellResult>> {
  const n = ctx.settings.repetitions;
  const samples = new Map<string, Repetition[]>(contenders.map((c) => [c.name, []]));
  const failures = new Map<string, CellResult>();
  const one = { ...ctx, settings: { ...ctx.settings, repetitions: 1, capacity: null } };
  for (let r = 0; r < n; r++) {
    for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
      if (failures.has(c.name)) continue;
      const done = samples.get(c.name) ?? [];
      const before = done.length;
      const canaryBefore = canaryMs();
      const started = await c.start();
      if (started.status !== 'ok') {
        failures.set(c.name, failedCell(cellKey(cell), `sample ${r + 1} of ${n}: the server ${started.reason}`, done));
      } else {
        let result: Awaited<ReturnType<typeof runCell>>;
        try {
          result = await runCell(cell, startedServer(cell.variant, started.server, ctx.pinning.serverCpus), one);
        } finally {
          await started.server.stop();
        }
        const canary = { beforeMs: canaryBefore, afterMs: canaryMs() };
        const measured = result.repetitions.map((rep) => ({ ...rep, canary }));
        if (result.status === 'failed') failures.set(c.name, failedCell(cellKey(cell), `sample ${r + 1} of ${n}: ${result.reason}`, [...done, ...measured]));
        else done.push(...measured);
      }
      ctx.onSample?.(c.name, done.length > before ? done.at(-1) : undefined);
    }
  }
  return new Map(contenders.map((c) => [c.name, failures.get(c.name) ?? cellFromRepetitions(cellKey(cell), samples.get(c.name) ?? [])]));
}
