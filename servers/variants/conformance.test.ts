import { conformanceSuite } from './conformance.cases.js';
import { variantNames, variants } from './registry.js';

// Every registered variant runs the whole suite, less the cases it lists in its own `skips`.
for (const name of variantNames) conformanceSuite(variants[name], variants[name].skips);
