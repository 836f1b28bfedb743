// Runs one attack in a process of its own (pinned like the load generators, with descriptors of
// its own to spend) and prints one JSON line: what it measured. The harness kills it by its pid
// if it overstays its bound.

import { readRunnerArg } from '../loadgen/runner-arg.js';
import { type FloodOptions, pipelineFlood } from './flood-client.js';
import { type IdleFloodOptions, runIdleFlood } from './idle-flood.js';

/** What the runner is asked to do. */
export type AttackOptions = ({ kind: 'idle-flood' } & IdleFloodOptions) | ({ kind: 'pipeline-flood' } & FloodOptions);

const { kind, ...options } = readRunnerArg<AttackOptions>(process.argv[2]);
const attack = kind === 'idle-flood' ? await runIdleFlood(options as IdleFloodOptions) : await pipelineFlood(options as FloodOptions);
process.stdout.write(`${JSON.stringify({ attack })}\n`);
