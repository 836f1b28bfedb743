// Every server variant, by name. Adding one is a file in this folder and a line here.

import { blocking } from './blocking.js';
import { cluster } from './cluster.js';
import { nodeHttp } from './node-http.js';
import { offload } from './offload.js';
import { singleLoop } from './single-loop.js';
import type { ServerVariant } from './types.js';
import { workerPool } from './worker-pool.js';

export const variants = {
  'single-loop': singleLoop,
  cluster: cluster,
  'worker-pool': workerPool,
  offload: offload,
  blocking: blocking,
  'node-http': nodeHttp,
} as const satisfies Record<string, ServerVariant>;

/** A registered variant's name. */
export type VariantName = keyof typeof variants;

export const variantNames = Object.keys(variants) as VariantName[];

export function isVariantName(name: string): name is VariantName {
  return Object.hasOwn(variants, name);
}
