import { describe, expect, it } from 'vitest';
import { defaultLoadgenCpus, notMeasurableText, planCpus, planText } from './cpu-plan.js';

describe('the default CPU split', () => {
  it('gives the generator about half: 1 of 2, 2 of 4, 4 of 8, 8 of 16, and each side at least one', () => {
    expect([1, 2, 3, 4, 6, 8, 16, 64].map(defaultLoadgenCpus)).toEqual([1, 1, 2, 2, 3, 4, 8, 34]);
    for (const n of [2, 3, 4, 5, 8, 16, 96]) {
      const p = planCpus({ pin: true }, n);
      expect(p.loadgen + p.server).toBe(n);
      expect(p.loadgen).toBeGreaterThanOrEqual(1);
      expect(p.server).toBeGreaterThanOrEqual(1);
      expect(p).toMatchObject({ pinned: true, rule: 'default' });
    }
  });

  it('stays one and one on a 2-CPU machine, and says so', () => {
    const p = planCpus({ pin: true }, 2);
    expect(p).toMatchObject({ cpus: 2, server: 1, loadgen: 1, pinned: true, rule: 'default' });
    expect(p.why).toMatch(/on 2 CPUs: one for the generator and one for the server/);
    expect(planText(p)).toMatch(/^server 1 CPU, generator 1 CPU \(1 thread\), pinned; /);
  });

  it('does not pin on one CPU, nor with --no-pin, where the server may use every CPU and the generator still gets its threads', () => {
    expect(planCpus({ pin: true }, 1)).toMatchObject({ cpus: 1, server: 1, loadgen: 1, pinned: false });
    const p = planCpus({ pin: false }, 8);
    expect(p).toMatchObject({ server: 8, loadgen: 4, pinned: false, rule: 'default' });
    expect(p.why).toMatch(/--no-pin/);
    expect(planCpus({ pin: false, unpinned: 'not pinned (a --target)' }, 4).why).toMatch(/^not pinned \(a --target\)/);
    // The server on another host: this machine is all the generator's.
    expect(planCpus({ pin: false, serverHost: 'ssh://s' }, 8)).toMatchObject({ loadgen: 8, pinned: false, rule: 'default' });
    expect(planCpus({ pin: false, serverHost: 'ssh://s' }, 8).why).toBe(
      'the server runs on ssh://s, on its own CPUs; the generator runs 8 threads here, not pinned',
    );
  });
});

describe('an explicit CPU split', () => {
  it('takes both counts, or one and the rest for the other', () => {
    expect(planCpus({ pin: true, serverCpus: 3, loadgenCpus: 1 }, 8)).toMatchObject({ server: 3, loadgen: 1, rule: 'explicit', pinned: true });
    expect(planCpus({ pin: true, serverCpus: 3, loadgenCpus: 1 }, 8).why).toMatch(/4 left idle/);
    expect(planCpus({ pin: true, serverCpus: 6 }, 8)).toMatchObject({ server: 6, loadgen: 2 });
    expect(planCpus({ pin: true, loadgenCpus: 3 }, 8)).toMatchObject({ server: 5, loadgen: 3 });
    expect(planCpus({ pin: false, loadgenCpus: 2 }, 8)).toMatchObject({ server: 8, loadgen: 2, pinned: false, rule: 'explicit' });
  });

  it('refuses a split that does not fit the machine, with the reason', () => {
    expect(() => planCpus({ pin: true, serverCpus: 2 }, 2)).toThrow(/--server-cpus 2 leaves the load generator no CPU of the 2/);
    expect(() => planCpus({ pin: true, loadgenCpus: 4 }, 4)).toThrow(/--loadgen-cpus 4 leaves the server no CPU of the 4/);
    expect(() => planCpus({ pin: true, serverCpus: 3, loadgenCpus: 2 }, 4)).toThrow(/ask for 5 CPUs; this machine has 4/);
    expect(() => planCpus({ pin: true, serverCpus: 9 }, 8)).toThrow(/--server-cpus 9: this machine has 8 CPUs/);
    expect(() => planCpus({ pin: true, loadgenCpus: 0 }, 8)).toThrow(/a whole number of CPUs, 1 or more/);
  });
});

describe('worker counts a machine cannot measure', () => {
  it('says which, why, and what machine would', () => {
    const text = notMeasurableText([2, 4], { cpus: 2, server: 1, pinned: true });
    expect(text).toMatch(/^2, 4 workers: the server has 1 CPU, so more workers than that would share CPUs/);
    expect(text).toMatch(/gives the server 4 CPUs or more \(--server-cpus, or 8 CPUs by the default rule\)/);
  });
});
