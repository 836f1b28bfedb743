import { conformanceSuite, type Skips } from './conformance.cases.js';
import { type VariantName, variantNames, variants } from './registry.js';

/** Where a variant departs from the suite, and why. A registered variant runs every other case. */
const skips: { [N in VariantName]?: Skips } = {
  'node-http': {
    'error then close':
      'node:http answers a parse error at once and closes, dropping the response to a valid request pipelined before the bad bytes in the same packet',
    limits: "node:http counts the request line in maxHeaderSize, so an over-long target is 431, not 414; and it answers an unsupported transfer coding with 400, not 501",
  },
};

for (const name of variantNames) conformanceSuite(variants[name], skips[name]);
