import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from './schedule.js';
import { equalSegments, holdsArrival, parseSegment, type Segment, segmentSchedule, shareOf } from './segment.js';

/** Ways to cut a run: halves, quarters, thirds written as fractions, and uneven cuts written three ways. */
const CUTS: Segment[][] = [
  equalSegments(1),
  equalSegments(2),
  equalSegments(4),
  ['0:1/3', '1/3:2/3', '2/3:1'].map(parseSegment),
  ['0:10%', '10%:0.5', '1/2:1'].map(parseSegment),
  ['0:1/7', '1/7:0.9', '0.9:1'].map(parseSegment),
];

describe('segments: parsing', () => {
  it('reads FROM:TO as fractions, decimals or percentages, and a lone TO from 0, as k6 does', () => {
    expect(parseSegment('1/4:2/4')).toMatchObject({ from: 0.25, to: 0.5 });
    expect(parseSegment('0.25:0.5')).toMatchObject({ from: 0.25, to: 0.5 });
    expect(parseSegment('25%:50%')).toMatchObject({ from: 0.25, to: 0.5 });
    expect(parseSegment('1/3')).toMatchObject({ from: 0, to: 1 / 3 });
    expect(parseSegment('0:1')).toMatchObject({ from: 0, to: 1 });
  });

  it('refuses what is not a segment of [0, 1), saying why', () => {
    for (const bad of ['', '1/2:1/4', '0:2', '1/0:1', 'a:b', '0:1:2', '-1/4:1/2', '1/2:1/2']) expect(() => parseSegment(bad), bad).toThrow(/^segment /);
  });
});

describe('segments: together they are the whole run', () => {
  it('split the connections and a request count without loss or overlap, each a contiguous run of the whole’s numbers', () => {
    for (const cut of CUTS)
      for (const total of [1, 7, 64, 256, 1_000_003]) {
        const parts = cut.map((s) => shareOf(total, s));
        expect(parts[0]?.lo).toBe(0);
        for (let i = 1; i < parts.length; i++) expect(parts[i]?.lo).toBe(parts[i - 1]?.hi);
        expect(parts.at(-1)?.hi).toBe(total);
      }
  });

  it('give every arrival of the schedule to exactly one segment, whatever the cut', () => {
    const wrong: string[] = [];
    for (const cut of CUTS)
      for (let k = 0; k < 200_000; k++) {
        const holders = cut.filter((s) => holdsArrival(k, s)).length;
        if (holders !== 1) wrong.push(`arrival ${k} in ${holders} segments of ${cut.map((s) => s.text).join(' ')}`);
      }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  for (const arrivals of ['constant', 'poisson'] as const) {
    it(`${arrivals} arrivals: the segments’ schedules merged are the whole schedule, each with its share spread through it`, () => {
      const n = 50_000;
      const whole = arrivalSchedule(10_000, arrivals, 7);
      const times = Array.from({ length: n }, () => whole.next());
      const end = times.at(-1) as number;
      for (const cut of CUTS) {
        const parts = cut.map((s) => {
          const schedule = segmentSchedule(arrivalSchedule(10_000, arrivals, 7), s);
          const mine: number[] = [];
          for (let t = schedule.next(); t <= end; t = schedule.next()) mine.push(t);
          return mine;
        });
        expect(parts.flat().sort((a, b) => a - b)).toEqual(times);
        for (const [i, s] of cut.entries()) {
          const count = (parts[i] as number[]).length;
          // Its share, to within a few arrivals (a Weyl sequence's discrepancy), and in every tenth of the run too.
          expect(Math.abs(count - n * (s.to - s.from)), `${s.text}: ${count} of ${n}`).toBeLessThan(10);
          for (let d = 0; d < 10; d++) {
            const inTenth = (ts: number[]) => ts.filter((t) => t >= (end * d) / 10 && t < (end * (d + 1)) / 10).length;
            expect(Math.abs(inTenth(parts[i] as number[]) - inTenth(times) * (s.to - s.from)), `${s.text}, tenth ${d}`).toBeLessThan(10);
          }
        }
      }
    });
  }
});
