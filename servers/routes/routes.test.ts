import { describe, expect, it } from 'vitest';
import type { Response } from '../core/response.js';
import { cpuWork, DEFAULT_CPU_ITERATIONS } from './cpu.js';
import { createHandler, splitTarget } from './routes.js';

const handle = createHandler();
const call = async (method: string, target: string, body = Buffer.alloc(0)): Promise<Response> => handle({ method, target, body });
const text = (r: Response) => (typeof r.body === 'string' ? r.body : r.body.toString());

describe('routes', () => {
  it('answers /plaintext and /json', async () => {
    expect(await call('GET', '/plaintext')).toMatchObject({ status: 200, contentType: 'text/plain', body: 'Hello, World!' });
    const json = await call('GET', '/json');
    expect(json.contentType).toBe('application/json');
    expect(JSON.parse(text(json))).toEqual({ message: 'Hello, World!' });
  });

  it('gives /cpu a result that depends on the iterations', async () => {
    const a = JSON.parse(text(await call('GET', '/cpu?iterations=1000')));
    const b = JSON.parse(text(await call('GET', '/cpu?iterations=1001')));
    expect(a).toEqual({ iterations: 1000, result: cpuWork(1000).toString(16).padStart(8, '0') });
    expect(a.result).not.toBe(b.result);
    expect(JSON.parse(text(await call('GET', '/cpu'))).iterations).toBe(DEFAULT_CPU_ITERATIONS);
  });

  it('refuses bad parameters with 400', async () => {
    for (const t of ['/cpu?iterations=-1', '/cpu?iterations=abc', '/cpu?iterations=999999999999', '/io?ms=1e3', '/io?ms=60001']) {
      expect((await call('GET', t)).status, t).toBe(400);
    }
  });

  it('waits on /io for the time asked', async () => {
    const started = Date.now();
    const r = await call('GET', '/io?ms=30');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(JSON.parse(text(r))).toEqual({ waitedMs: 30 });
  });

  it('echoes the body of POST /echo', async () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const r = await call('POST', '/echo', body);
    expect(r).toMatchObject({ status: 200, contentType: 'application/octet-stream' });
    expect(r.body).toEqual(body);
  });

  it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    expect((await call('GET', '/nope')).status).toBe(404);
    expect(await call('POST', '/plaintext')).toMatchObject({ status: 405, headers: [['Allow', 'GET, HEAD']] });
    expect(await call('GET', '/echo')).toMatchObject({ status: 405, headers: [['Allow', 'POST']] });
  });

  it('routes absolute-form targets by their path', async () => {
    expect(splitTarget('http://example.com/cpu?iterations=5')).toEqual({ path: '/cpu', query: 'iterations=5' });
    expect(splitTarget('http://example.com')).toEqual({ path: '/', query: '' });
    expect(splitTarget('/a?b')).toEqual({ path: '/a', query: 'b' });
    expect((await call('GET', 'http://example.com/plaintext')).status).toBe(200);
  });
});
