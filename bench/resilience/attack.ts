// The attacks as the harness starts them: attack-runner.ts in a child process (pinned where the
// load generator runs), killed by its pid if it overstays its bound.

import { builtModule } from '../../shared/built.js';
import { spawnTracked } from '../lib/processes.js';
import { runnerArg } from '../loadgen/runner-arg.js';
import type { AttackOptions } from './attack-runner.js';
import type { FloodFigures } from './flood-client.js';
import type { IdleFloodReport } from './idle-flood.js';

const RUNNER = builtModule(import.meta.url, 'attack-runner');

/** What each attack reports. */
type ReportOf<K extends AttackOptions['kind']> = K extends 'idle-flood' ? IdleFloodReport : FloodFigures;

/** Runs an attack in its own process and resolves with its report; rejects with its last output when it fails or overstays `boundMs` (then killed). */
export async function runAttack<K extends AttackOptions['kind']>(
  options: Extract<AttackOptions, { kind: K }>,
  pin: string[],
  boundMs: number,
): Promise<ReportOf<K>> {
  const { arg, cleanup } = runnerArg(options);
  const { child, output } = spawnTracked([...pin, process.execPath, RUNNER, arg]);
  let killed = false;
  const deadline = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, boundMs);
  // 'close', not 'exit': only then has all of its output been read.
  const code = await new Promise<number | string | null>((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
  clearTimeout(deadline);
  cleanup();
  const line = output()
    .split('\n')
    .find((l) => l.startsWith('{"attack"'));
  if (killed) throw new Error(`the ${options.kind} client overstayed its bound of ${Math.round(boundMs / 1000)} s and was killed`);
  if (code !== 0 || line === undefined) throw new Error(`the ${options.kind} client exited with ${code}: ${output().trim().split('\n').slice(-3).join(' / ')}`);
  return (JSON.parse(line) as { attack: ReportOf<K> }).attack;
}
