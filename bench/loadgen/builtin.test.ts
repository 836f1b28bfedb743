import { describe, expect, it } from 'vitest';
import { workloads } from '../plan/scenarios.js';
import { builtinOptions } from './builtin.js';

const target = (origin: string) => ({ origin, workload: workloads.plaintext, connections: 1, pipelining: 1, durationSec: 1, pin: [] });

describe('builtinOptions', () => {
  it('connects to the origin a --target gives: its port, 80 when it has none, an IPv6 literal without brackets', () => {
    expect(builtinOptions(target('http://127.0.0.1:8080'))).toMatchObject({ host: '127.0.0.1', port: 8080, path: '/plaintext' });
    expect(builtinOptions(target('http://example.test'))).toMatchObject({ host: 'example.test', port: 80 });
    expect(builtinOptions(target('http://[::1]:3000'))).toMatchObject({ host: '::1', port: 3000 });
  });

  it('passes an open loop on: rate, arrivals and seed', () => {
    expect(builtinOptions({ ...target('http://127.0.0.1:1'), rate: 500, arrivals: 'poisson', seed: 3 })).toMatchObject({
      rate: 500,
      arrivals: 'poisson',
      seed: 3,
    });
    expect(builtinOptions({ ...target('http://127.0.0.1:1'), rate: 500 })).toMatchObject({ rate: 500, arrivals: 'constant' });
    expect(builtinOptions(target('http://127.0.0.1:1'))).not.toHaveProperty('rate');
  });
});
