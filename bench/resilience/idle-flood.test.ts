import { afterEach, describe, expect, it } from 'vitest';
import { singleLoop } from '../../servers/variants/single-loop.js';
import type { RunningServer } from '../../servers/variants/types.js';
import { fitDescriptors, runIdleFlood } from './idle-flood.js';

let variant: RunningServer | undefined;
afterEach(async () => {
  await variant?.close(200);
  variant = undefined;
});

describe('the idle flood', () => {
  // Descriptors left → what is opened: slowloris kept before idle, 64 spare beside the ordinary requests in flight.
  const fits: Array<[string, number | null, { idle: number; slowloris: number; cut: boolean }]> = [
    ['everything fits', 20_000, { idle: 5_000, slowloris: 200, cut: false }],
    ['the idle connections give way first', 4_364, { idle: 4_000, slowloris: 200, cut: true }],
    ['then the slowloris ones', 200, { idle: 0, slowloris: 36, cut: true }],
    ['unknown limits: as asked', null, { idle: 5_000, slowloris: 200, cut: false }],
  ];
  for (const [name, left, expected] of fits) {
    it(`fits the descriptors: ${name}`, () => {
      expect(fitDescriptors({ idle: 5_000, slowloris: 200 }, left, 100)).toEqual(expected);
    });
  }

  it('against the core with short timeouts: ordinary requests served throughout, every held connection let go, every socket closed', async () => {
    variant = await singleLoop.start({ port: 0, host: '127.0.0.1', connection: { headersTimeoutMs: 300, keepAliveTimeoutMs: 300 } });
    const report = await runIdleFlood({
      host: '127.0.0.1',
      port: variant.port,
      serverPids: [process.pid],
      idle: 4,
      slowloris: 2,
      slowlorisIntervalMs: 100,
      path: '/plaintext',
      rateRps: 20,
      windowSec: 0.8,
      requestTimeoutMs: 500,
    });
    expect(report.ordinary).toMatchObject({ sent: 16, ok: 16, successRate: 1 });
    expect(report.slowloris).toMatchObject({ asked: 2, opened: 2, answered408: 2, neverAnswered: 0 });
    expect(report.idle).toMatchObject({ asked: 4, opened: 4, closedByServer: 4, openAtEnd: 0 });
    expect(report.descriptors.note).toBeNull();
    expect(report.descriptors.clientLimit).toBeGreaterThan(0);
  });
});
