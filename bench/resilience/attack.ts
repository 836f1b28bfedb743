// The attacks as the harness starts them: attack.child.ts in a child process (pinned where the
// load generator runs), killed by its pid if it overstays its bound.

import { builtModule } from '../../shared/built.js';
import { runRunner } from '../loadgen/runner-arg.js';
import type { AttackOptions } from './attack.child.js';
import type { FloodFigures } from './flood-client.js';
import type { IdleFloodReport } from './idle-flood.js';

const RUNNER = builtModule(import.meta.url, 'attack.child');

/** What each attack reports. */
type ReportOf<K extends AttackOptions['kind']> = K extends 'idle-flood' ? IdleFloodReport : FloodFigures;

/** Runs an attack in its own process and resolves with its report; rejects with its last output when it fails or overstays `boundMs` (then killed). */
export async function runAttack<K extends AttackOptions['kind']>(
  options: Extract<AttackOptions, { kind: K }>,
  pin: string[],
  boundMs: number,
): Promise<ReportOf<K>> {
  return (await runRunner<{ attack: ReportOf<K> }>(RUNNER, options, { pin, key: 'attack', what: `the ${options.kind} client`, boundMs })).attack;
}
