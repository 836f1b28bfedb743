import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from './schedule.js';
import { equalSegments, holdsArrival, parseSegment, partOf, type Segment, segmentSchedule, shareOf, widthOf } from './segment.js';

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
    const quarter = { from: { num: 1, den: 4 }, to: { num: 1, den: 2 } };
    expect(parseSegment('1/4:2/4')).toMatchObject(quarter);
    expect(parseSegment('0.25:0.5')).toMatchObject(quarter);
    expect(parseSegment('25%:50%')).toMatchObject(quarter);
    expect(parseSegment('12.5%:25%')).toMatchObject({ from: { num: 1, den: 8 }, to: { num: 1, den: 4 } });
    expect(parseSegment('1/3')).toMatchObject({ from: { num: 0, den: 1 }, to: { num: 1, den: 3 } });
    expect(parseSegment('0:1')).toMatchObject({ from: { num: 0, den: 1 }, to: { num: 1, den: 1 } });
  });

  it('refuses what is not a segment of [0, 1), saying why', () => {
    for (const bad of ['', '1/2:1/4', '0:2', '1/0:1', 'a:b', '0:1:2', '-1/4:1/2', '1/2:1/2']) expect(() => parseSegment(bad), bad).toThrow(/^segment /);
  });
});

describe('segments: the cuts are exact, in whole numbers', () => {
  it('gives each of 49 connections to one of 49 equal segments, and the 63rd of 90 to 7/10:1, as the fractions say', () => {
    // In floating point, 49 × (1/49) floors to 0 and 90 × 0.7 to 62.
    expect(equalSegments(49).map((s) => shareOf(49, s))).toEqual(Array.from({ length: 49 }, (_, i) => ({ lo: i, hi: i + 1 })));
    expect(shareOf(90, parseSegment('7/10:1')).lo).toBe(63);
    expect(shareOf(90, parseSegment('0.7:1')).lo).toBe(63);
  });

  it('cuts a segment into equal parts whose ends are the segment’s own', () => {
    const s = parseSegment('0.2:0.9');
    const parts = [0, 1].map((k) => partOf(s, k, 2));
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      [
        { num: 1, den: 5 },
        { num: 11, den: 20 },
      ],
      [
        { num: 11, den: 20 },
        { num: 9, den: 10 },
      ],
    ]);
    expect(parts.map((p) => shareOf(100, p))).toEqual([
      { lo: 20, hi: 55 },
      { lo: 55, hi: 90 },
    ]);
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
          expect(Math.abs(count - n * widthOf(s)), `${s.text}: ${count} of ${n}`).toBeLessThan(10);
          for (let d = 0; d < 10; d++) {
            const inTenth = (ts: number[]) => ts.filter((t) => t >= (end * d) / 10 && t < (end * (d + 1)) / 10).length;
            expect(Math.abs(inTenth(parts[i] as number[]) - inTenth(times) * widthOf(s)), `${s.text}, tenth ${d}`).toBeLessThan(10);
          }
        }
      }
    });
  }
});
