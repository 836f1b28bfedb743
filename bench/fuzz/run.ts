// The fuzzing loop: input i of a run is made from the run's seed and i alone (so a range of
// inputs can go to each worker thread, and any input can be made again), fed to both parsers,
// compared, and counted.

import { seededRandom } from '../../shared/random.js';
import { type Comparison, classify, compareRuns, describeResult } from './diff.js';
import { Dice, generatePipeline, serialize } from './generate.js';
import { Llhttp, type LlhttpRun } from './llhttp.js';
import { minimize } from './minimize.js';
import { BYTE_MUTATIONS, mutateBytes, mutateStructure, STRUCTURAL_MUTATIONS } from './mutate.js';
import { type OurRun, runOurs, type SplitDependence, splitDependence } from './ours.js';

/** The generator seed of input `index` of a run seeded `seed` (murmur3's finalizer over both). */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** An input: generated requests, mutated 0 to 3 times; and the generator, to draw split points from next. */
export interface FuzzInput {
  readonly input: Buffer;
  readonly mutations: readonly string[];
  readonly random: () => number;
}

/** Input `index` of a run seeded `seed`. */
export function makeInput(seed: number, index: number): FuzzInput {
  const random = seededRandom(inputSeed(seed, index));
  const d = new Dice(random);
  const requests = generatePipeline(d);
  // A sixth unmutated, so that valid requests are compared too; then mostly one or two mutations.
  const count = d.chance(1 / 6) ? 0 : d.pick([1, 1, 1, 2, 2, 3]);
  const picks = Array.from({ length: count }, () =>
    d.chance(0.65) ? { structural: true, name: d.pick(STRUCTURAL_MUTATIONS) } : { structural: false, name: d.pick(BYTE_MUTATIONS) },
  );
  for (const p of picks) if (p.structural) mutateStructure(requests, p.name, d);
  let text = requests.map(serialize).join('');
  for (const p of picks) if (!p.structural) text = mutateBytes(text, p.name, d);
  return { input: Buffer.from(text, 'latin1'), mutations: picks.map((p) => p.name), random };
}

/** What both parsers made of one input. */
export interface Examination {
  readonly ours: OurRun;
  readonly llhttp: LlhttpRun;
  readonly comparison: Comparison;
  /** The deliberate entry explaining the difference; undefined when there is none or it is undocumented. */
  readonly deliberate: string | undefined;
  /** How the input was cut when our parser answered otherwise than whole; null when it never did. */
  readonly split: SplitDependence | null;
}

/** How one input is checked: random splits beside whole, byte by byte and the resumable scanner; every two-piece split too if asked. */
export interface ExamineOptions {
  randomSplits: number;
  everySplit: boolean;
}

export const DEFAULT_EXAMINE: ExamineOptions = { randomSplits: 2, everySplit: false };

/** Feeds one input to both parsers and compares them. */
export function examine(input: Buffer, llhttp: Llhttp, random: () => number, options: ExamineOptions = DEFAULT_EXAMINE): Examination {
  const ours = runOurs(input);
  const ll = llhttp.run(input);
  const comparison = compareRuns(ours, ll);
  const deliberate = comparison.difference === null ? undefined : classify(input, comparison.difference)?.name;
  const split = splitDependence(input, ours, random, options.randomSplits, options.everySplit);
  return { ours, llhttp: ll, comparison, deliberate, split };
}

/** An input that showed something, kept as the shortest of its kind. */
export interface Example {
  count: number;
  /** Which input of the run it was. */
  index: number;
  /** The input, latin1. */
  input: string;
  /** The mutations that made it from generated requests (none: as generated). */
  mutations: string;
  /** What each side made of it. */
  detail: string;
}

/** What a run (or a range of it) found. */
export interface FuzzStats {
  inputs: number;
  /** The first request's verdicts, `ours/llhttp`, counted. */
  firstVerdicts: Record<string, number>;
  /** Differences a deliberate entry explains, by entry. */
  deliberate: Record<string, number>;
  /** Differences none explains, by signature. */
  undocumented: Record<string, Example>;
  /** Inputs where neither accepted, one refusing while the other waited (not differences), by signature. */
  refusedVsWaiting: Record<string, Example>;
  /** Inputs our parser answered differently depending on how they were cut, by the way that differed. */
  splitDependent: Record<string, Example>;
}

export function emptyStats(): FuzzStats {
  return { inputs: 0, firstVerdicts: {}, deliberate: {}, undocumented: {}, refusedVsWaiting: {}, splitDependent: {} };
}

function keep(into: Record<string, Example>, key: string, example: Example): void {
  const had = into[key];
  if (had === undefined) into[key] = example;
  else {
    had.count += example.count;
    if (example.input.length < had.input.length)
      Object.assign(had, { index: example.index, input: example.input, mutations: example.mutations, detail: example.detail });
  }
}

/** Adds what `from` found to `into`. */
export function mergeStats(into: FuzzStats, from: FuzzStats): FuzzStats {
  into.inputs += from.inputs;
  for (const [k, n] of Object.entries(from.firstVerdicts)) into.firstVerdicts[k] = (into.firstVerdicts[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.deliberate)) into.deliberate[k] = (into.deliberate[k] ?? 0) + n;
  for (const key of ['undocumented', 'refusedVsWaiting', 'splitDependent'] as const) {
    for (const [k, e] of Object.entries(from[key])) keep(into[key], k, { ...e });
  }
  return into;
}

/** Counts what one examined input showed into `stats`. */
export function record(stats: FuzzStats, index: number, input: Buffer, mutations: readonly string[], ex: Examination): void {
  const made = mutations.join(', ') || 'none';
  stats.inputs++;
  const c = ex.comparison;
  stats.firstVerdicts[c.first] = (stats.firstVerdicts[c.first] ?? 0) + 1;
  const text = input.toString('latin1');
  if (c.difference !== null) {
    const d = c.difference;
    if (ex.deliberate !== undefined) stats.deliberate[ex.deliberate] = (stats.deliberate[ex.deliberate] ?? 0) + 1;
    else
      keep(stats.undocumented, d.signature, {
        count: 1,
        index,
        input: text,
        mutations: made,
        detail: `request ${d.index + 1}: ours ${describeResult(d.ours)}; llhttp ${describeResult(d.llhttp)}`,
      });
  }
  if (c.refusedVsWaiting !== null) keep(stats.refusedVsWaiting, c.refusedVsWaiting, { count: 1, index, input: text, mutations: made, detail: '' });
  if (ex.split !== null) {
    const s = ex.split;
    keep(stats.splitDependent, splitSignature(s), {
      count: 1,
      index,
      input: text,
      mutations: made,
      detail: `${s.how}: ${JSON.stringify(s.split)}; whole: ${JSON.stringify(s.whole)}`,
    });
  }
}

/** What a split-dependent verdict looks like, as a line: the end of the run whole against split. */
export function splitSignature(s: SplitDependence): string {
  const end = (r: OurRun) => `${r.requests.length} request(s), then ${r.end.verdict === 'reject' ? r.end.code : r.end.verdict}`;
  return `whole: ${end(s.whole)}; split: ${end(s.split)}`;
}

/** Runs inputs [from, to) of the run seeded `seed`; `progress` is told of every `every` inputs done. */
export function fuzzRange(
  seed: number,
  from: number,
  to: number,
  options: ExamineOptions = DEFAULT_EXAMINE,
  progress?: (done: number) => void,
  every = 1_000,
): FuzzStats {
  const stats = emptyStats();
  const llhttp = new Llhttp();
  for (let i = from; i < to; i++) {
    const { input, mutations, random } = makeInput(seed, i);
    record(stats, i, input, mutations, examine(input, llhttp, random, options));
    if (progress !== undefined && (i - from + 1) % every === 0) progress(every);
  }
  const rest = (to - from) % every;
  if (progress !== undefined && rest > 0) progress(rest);
  return stats;
}

/** Shrinks an input with an undocumented difference to the shortest that still differs the same way (same signature, still undocumented). */
export function minimizeDifference(input: Buffer, signature: string, llhttp: Llhttp = new Llhttp()): Buffer {
  return minimize(input, (b) => {
    const c = compareRuns(runOurs(b), llhttp.run(b));
    return c.difference !== null && c.difference.signature === signature && classify(b, c.difference) === undefined;
  });
}

/**
 * Shrinks an input our parser answers differently when cut, keeping the same signature under the
 * deterministic ways of cutting (resumable scanner alone, byte by byte, in two at every boundary).
 * Returns null when only the random cuts that found it show it.
 */
export function minimizeSplitDependence(input: Buffer, signature: string): Buffer | null {
  const still = (b: Buffer) => {
    const s = splitDependence(b, runOurs(b), () => 0, 0, true);
    return s !== null && splitSignature(s) === signature;
  };
  return still(input) ? minimize(input, still, 5_000) : null;
}
