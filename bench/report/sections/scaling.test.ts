import { describe, expect, it } from 'vitest';
import { scalingRun } from '../../analysis/test-support/scaling-fixture.js';
import { scalingSection, scalingSpec } from './scaling.js';

describe('the scaling section', () => {
  it('says where each model stopped scaling and why, in its model’s terms, and which counts this machine could not measure', () => {
    const { findings, caveats } = scalingSection.findings(scalingRun());
    expect(findings).toContainEqual(
      expect.stringMatching(/^plaintext: cluster stops scaling at 4 workers: 60,000 req\/s, 60% of the ideal 4 × 25,000; the load generator was saturated/),
    );
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^plaintext: worker-pool stops scaling at 2 workers: .*its CPU per request grew from 100\.0 to 160\.0 µs \(the pool's hand-over .*the kernel's share of the server's CPU rose from 20% to 37%/,
      ),
    );
    expect(caveats).toContainEqual(expect.stringMatching(/^Scaling: not measured here: 8 workers: the server has 4 CPUs/));
    expect(caveats.some((c) => /not pinned/.test(c))).toBe(false);
    expect(scalingSection.findings(scalingRun(false)).caveats).toContainEqual(
      expect.stringMatching(/not pinned, the workers shared their CPUs with the load generator/),
    );
  });

  it('tables each point with its ideal, efficiency, CPU, kernel share and memory per worker, and draws the curves', async () => {
    const r = scalingRun();
    const t = scalingSection.tables(r);
    expect(t.title).toBe('Scaling with workers');
    const md = t.blocks[0]?.markdown.join('\n') ?? '';
    expect(md).toMatch(/\| plaintext \| cluster \| 4 \| 60,000\* \| 100,000 \| 60% \| 2\.00× \| 20\.0 \| 20% \| 97% \| 40\.0 \|/);
    expect(scalingSection.header(r)).toEqual(['scaling: workers 1, 2, 4 measured; 8 not measurable here (the server had 4 CPUs)']);
    // Each curve is a variant's, coloured by its own name: every drawn series is in the legend.
    const spec = scalingSpec(r) as unknown as {
      data: { values: Array<{ variant: string }> };
      spec: { layer: Array<{ encoding: { color: { scale: { domain: string[] } } } }> };
    };
    const domain = spec.spec.layer[0]?.encoding.color.scale.domain;
    expect(domain).toEqual(['single-loop', 'cluster', 'worker-pool']);
    for (const v of spec.data.values) expect(domain).toContain(v.variant);
    const [chart] = await scalingSection.charts(r);
    expect(chart?.file).toBe('scaling.svg');
    expect(chart?.svg).toMatch(/^<svg/);
    expect(scalingSection.terminal(r)).toMatch(/cluster\s+4\s+60,000\s+60%/);
  });
});
