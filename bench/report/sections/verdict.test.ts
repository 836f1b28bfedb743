import { describe, expect, it } from 'vitest';
import { fixtureResults } from '../../analysis/test-support/fixture.js';
import { cellsOf, type Results } from '../../results/results.js';
import { verdicts } from './verdict.js';

const on = (r: Results, workload: string) => {
  const v = verdicts(r).find((x) => x.workload === workload);
  if (v === undefined) throw new Error(`no verdict on ${workload}`);
  return v;
};

/** The run with only `names` among its variants. */
function only(r: Results, names: readonly string[]): Results {
  return { ...r, variants: r.variants.filter((v) => names.includes(v.name)), settings: { ...r.settings, variants: [...names] } };
}

describe('the verdict', () => {
  it('names the variant to use with its model, the runner-up, and the one to avoid with why, each with the finding that names it', () => {
    const v = on(fixtureResults(), 'plaintext');
    expect(v.by).toBe('req/s at 64 connections');
    expect(v.use).toMatchObject({ variant: 'single-loop', model: 'event-loop', figure: '50,000 req/s' });
    expect(v.runnerUp).toMatchObject({ variant: 'cluster', model: 'multi-process', figure: '30,000 req/s' });
    expect(v.tie).toBe('no');
    expect(v.avoid).toMatchObject({ variant: 'blocking', model: 'blocking', why: 'served 17× fewer requests than single-loop' });
    expect(v.use?.finding).toMatch(/^plaintext: single-loop served the most/);
    expect(v.avoid?.finding).toMatch(/^plaintext: blocking collapsed/);
  });

  it('calls two within noise a tie, with nothing to avoid when the last is within noise of the first too', () => {
    // io: cluster 5,100, single-loop 5,000 (within 5%); worker-pool and blocking far behind.
    const io = on(fixtureResults(), 'io');
    expect([io.use?.variant, io.runnerUp?.variant, io.tie]).toEqual(['cluster', 'single-loop', 'yes']);
    const close = on(only(fixtureResults(), ['cluster', 'single-loop', 'node-http']), 'io');
    expect(close.avoid).toBeUndefined();
  });

  it('cannot order two when one is a floor, the load generator’s limit', () => {
    const v = on(fixtureResults({ clientBound: ['single-loop/plaintext'] }), 'plaintext');
    expect(v.tie).toBe('floor');
    expect(v.use?.figure).toBe('50,000 req/s (a floor)');
  });

  it('names nothing to avoid with two variants: the other is the runner-up', () => {
    const v = on(only(fixtureResults(), ['single-loop', 'blocking']), 'plaintext');
    expect([v.use?.variant, v.runnerUp?.variant, v.avoid]).toEqual(['single-loop', 'blocking', undefined]);
  });

  it('in a capacity run, judges by capacity, puts those that kept up with no rate last, and says when none did', () => {
    const v = on(fixtureResults({ capacity: true }), 'plaintext');
    expect(v.by).toBe('capacity at p99 ≤ 10 ms at 64 connections');
    expect(v.use).toMatchObject({ variant: 'single-loop', figure: '45,000 req/s' });
    expect(v.use?.finding).toMatch(/^plaintext: single-loop kept up with the most/);

    const none = fixtureResults({ capacity: true });
    for (const variant of none.variants) for (const c of cellsOf(variant)) if (c.status === 'ok' && c.workload === 'plaintext') c.capacityRps = null;
    const n = on(none, 'plaintext');
    expect(n.use).toBeUndefined();
    expect(n.avoid).toBeUndefined();
    expect(n.none).toBe('no variant kept up with any rate offered at p99 ≤ 10 ms');

    const one = fixtureResults({ capacity: true });
    for (const variant of one.variants)
      for (const c of cellsOf(variant)) if (c.status === 'ok' && c.workload === 'plaintext' && variant.name === 'blocking') c.capacityRps = null;
    expect(on(one, 'plaintext').avoid).toMatchObject({ variant: 'blocking', figure: 'none kept up', why: 'kept up with no rate offered' });
  });

  it('in a mix, judges by its quick request’s p99, lowest first', () => {
    const v = on(fixtureResults({ mixes: true }), 'mixed@5%');
    expect(v.by).toBe("GET /json's p99 at 64 connections");
    expect(v.use?.variant).toBe('offload');
    expect(v.use?.model).toBe('event-loop+pool');
  });
});
