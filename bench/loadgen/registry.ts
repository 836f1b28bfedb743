// Every load generator, by name (like the variants' registry). Adding one is a file in this
// folder and a line here; the command line's choices and the name type come from this list.

import { autocannonLoadgen } from './autocannon.js';
import { builtinLoadgen } from './builtin.js';
import type { LoadGenerator } from './types.js';
import { wrkLoadgen } from './wrk.js';

export const loadgens = {
  builtin: builtinLoadgen,
  autocannon: autocannonLoadgen,
  wrk: wrkLoadgen,
} as const satisfies Record<string, LoadGenerator>;

/** A registered load generator's name. */
export type LoadgenName = keyof typeof loadgens;

export const loadgenNames = Object.keys(loadgens) as LoadgenName[];

/** What `cbench bench` drives load with unless --loadgen says otherwise. */
export const DEFAULT_LOADGEN: LoadgenName = 'builtin';
