// The Kubernetes example checked as far as can be done without a cluster: the manifest is an
// Indexed Job whose pods' segments tile the run exactly, and each pod's own script, run here with
// its completion index (`node` this build, /tmp its own folder), produces a sample that
// merge.sh's extraction and `cbench merge` turn into the whole run.

import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSegment, partOf, WHOLE } from '../../bench/loadgen/segment.js';
import { PROJECT_ROOT } from '../../shared/built.js';

interface Job {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    backoffLimit: number;
    template: {
      spec: {
        restartPolicy: string;
        containers: Array<{
          image: string;
          env: Array<{ name: string; value: string }>;
          command: string[];
          resources: { requests: Record<string, string>; limits: Record<string, string> };
        }>;
      };
    };
  };
}

const job = parse(readFileSync(join(import.meta.dirname, 'load-job.yaml'), 'utf8')) as Job;
const container = job.spec.template.spec.containers[0];
const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
const script = container?.command[2] ?? '';
const parts = Number(env.PARTS);

const execFileAsync = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'cbench-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Kubernetes example', () => {
  it('is an Indexed Job of PARTS pods, each whole on its CPUs, none retried', () => {
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', backoffLimit: 0 } });
    expect(job.spec.completions).toBe(parts);
    expect(job.spec.parallelism).toBe(parts);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(container?.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(container?.resources.requests.cpu).toBe(container?.resources.limits.cpu);
    expect(script).toMatch(/node dist\/scripts\/cbench\.js load "\$TARGET" .*--segment "\$segment" --sample \/tmp\/sample\.json/s);
  });

  it('gives pod i the segment i/PARTS:(i+1)/PARTS, so that the pods tile the run exactly', () => {
    const upToSegment = script.slice(0, script.indexOf('node '));
    for (let i = 0; i < parts; i++) {
      const text = execFileSync('sh', ['-c', `${upToSegment}\necho "$segment"`], {
        env: { ...process.env, JOB_COMPLETION_INDEX: String(i), PARTS: String(parts) },
      })
        .toString()
        .trim();
      const s = parseSegment(text);
      const want = partOf(WHOLE, i, parts);
      expect(s.from.num * want.from.den).toBe(want.from.num * s.from.den);
      expect(s.to.num * want.to.den).toBe(want.to.num * s.to.den);
    }
  });

  it('runs each pod’s script here against a server, and merge.sh’s extraction and cbench merge give the whole run', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      // `node` is this build's, run from the project's root as in the image; /tmp is each pod's own.
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      symlinkSync(process.execPath, join(bin, 'node'));
      const samples: string[] = [];
      for (let i = 0; i < parts; i++) {
        const podTmp = join(dir, `pod-${i}`);
        mkdirSync(podTmp);
        // Not execFileSync: the server answers from this process's event loop.
        const { stdout: log } = await execFileAsync('sh', ['-c', script.replaceAll('/tmp/', `${podTmp}/`)], {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            ...env,
            PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
            JOB_COMPLETION_INDEX: String(i),
            TARGET: url,
            RATE: '400',
            CONNECTIONS: '8',
            DURATION: '0.5',
          },
        });
        // merge.sh's extraction: the lines between the markers.
        const file = join(dir, `pod-${i}.json`);
        writeFileSync(file, execFileSync('sh', ['-c', "sed -n '/^CBENCH-SAMPLE-BEGIN$/,/^CBENCH-SAMPLE-END$/p' | sed '1d;$d'"], { input: log }));
        samples.push(file);
      }
      const { stdout: mergedText } = await execFileAsync(process.execPath, [join(PROJECT_ROOT, 'dist', 'scripts', 'cbench.js'), 'merge', ...samples, '--json']);
      const merged = JSON.parse(mergedText) as {
        segments: number;
        openLoop: { due: number };
      };
      expect(merged.segments).toBe(parts);
      // The pods together were due what one run of 400 req/s for 0.5 s is, Poisson arrivals: about 200.
      expect(merged.openLoop.due).toBeGreaterThan(120);
      expect(merged.openLoop.due).toBeLessThan(280);
    } finally {
      server.close();
    }
  }, 60_000);
});
