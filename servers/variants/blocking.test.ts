import { describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { blocking } from './blocking.js';

const H = 'Host: localhost\r\n';

describe('blocking', () => {
  it('serves one connection at a time: a later connection waits until the current one is done', async () => {
    const s = await blocking.start({ port: 0, host: '127.0.0.1' });
    const first = await RawClient.open(s.port);
    const second = await RawClient.open(s.port);
    try {
      // The second client's request is complete, but the first connection is being served.
      second.write(`GET /plaintext HTTP/1.1\r\n${H}\r\n`);
      await new Promise((r) => setTimeout(r, 300));
      expect(second.text).toBe('');
      first.write(`GET /json HTTP/1.1\r\n${H}\r\n`);
      const [a] = await first.responses(1);
      expect(a?.headers.connection).toBe('close');
      const [b] = await second.responses(1);
      expect(b?.body.toString()).toBe('Hello, World!');
    } finally {
      first.destroy();
      second.destroy();
      await s.close(1_000);
    }
  });

  it('blocks the whole thread while /io waits', async () => {
    const s = await blocking.start({ port: 0, host: '127.0.0.1' });
    const c = await RawClient.open(s.port);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      c.write(`GET /io?ms=200 HTTP/1.1\r\n${H}\r\n`);
      await c.responses(1);
      clearInterval(timer);
      // A timer firing every 10 ms could not run during the 200 ms the handler slept.
      expect(ticks).toBeLessThan(10);
    } finally {
      c.destroy();
      await s.close(1_000);
    }
  });
});
