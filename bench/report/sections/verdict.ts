// The verdict: the answer a reader came for, before anything else. Per workload, the variant
// (and its concurrency model) to use, the runner-up and whether the two are within noise, and
// the one to avoid and why; each linked to the finding behind it. Judged by what the run
// measured best: capacity at the latency objective in a capacity run; in a mix, its quick
// request's p99 (what heavy requests do to the others); else throughput in the closed loop.

import type { ConcurrencyModel } from '../../../servers/variants/types.js';
import { rangesOverlap } from '../../analysis/capacity.js';
import { formatInt as int, formatTimes as times } from '../../lib/format.js';
import type { Results } from '../../results/results.js';
import { findingId, headline, modelOf, TIE } from '../facts.js';
import type { ReportSection } from '../section.js';
import { esc } from '../table.js';
import { capacityFindings, capacityRange, capacityTables, capacityText, ms, objectiveMs } from './capacity.js';
import { cellsSection, measured, workloadTables } from './cells.js';
import { routeFindings, routeTables } from './routes.js';

/** A variant as the verdict names it: with its model, the figure it was judged by, and the finding that says so. */
export interface Pick {
  variant: string;
  model: ConcurrencyModel | null;
  figure: string;
  finding: string | undefined;
}

/** One workload's verdict. */
export interface Verdict {
  workload: string;
  /** What the variants were ranked by, e.g. `capacity at p99 ≤ 10 ms`. */
  by: string;
  use: Pick | undefined;
  runnerUp: Pick | undefined;
  /** The two are within noise: no winner between them. */
  tie: boolean;
  avoid: (Pick & { why: string }) | undefined;
}

/** A variant ranked on one workload: its figure (larger is better) and how to say it. */
interface Ranked {
  variant: string;
  value: number;
  text: string;
}

/**
 * The finding of `list` behind a verdict on `variant` for `workload` (`workload: ...`): the first
 * on that workload that names it, the ranking's own when it does; undefined when none names it.
 */
function findingOn(list: readonly string[], workload: string, variant: string): string | undefined {
  return list.find((f) => f.startsWith(`${workload}: `) && new RegExp(`(?<![\\w-])${variant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(f));
}

function verdictOf<T extends Ranked>(
  r: Results,
  workload: string,
  by: string,
  ranked: T[],
  tie: (a: T, b: T) => boolean,
  why: (best: T, worst: T) => string,
  findings: readonly string[],
): Verdict {
  const pick = (x: T | undefined): Pick | undefined =>
    x === undefined ? undefined : { variant: x.variant, model: modelOf(r, x.variant), figure: x.text, finding: findingOn(findings, workload, x.variant) };
  const [best, second] = ranked;
  const worst = ranked.length > 1 ? ranked.at(-1) : undefined;
  // Nothing to avoid when the last is within noise of the best.
  const avoid = best !== undefined && worst !== undefined && worst !== best && !tie(best, worst) ? worst : undefined;
  const avoided = pick(avoid);
  return {
    workload,
    by,
    use: pick(best),
    runnerUp: pick(second),
    tie: best !== undefined && second !== undefined && tie(best, second),
    avoid: avoided === undefined || avoid === undefined || best === undefined ? undefined : { ...avoided, why: why(best, avoid) },
  };
}

/** Per workload of the run, its verdict, in the run's order. */
export function verdicts(r: Results): Verdict[] {
  const at = headline(r);
  const where = `at ${at.connections} connection${at.connections === 1 ? '' : 's'}`;
  const capacity = capacityTables(r);
  const routes = routeTables(r);
  const cells = workloadTables(r);
  const capFindings = capacityFindings(r);
  const routeList = routeFindings(r);
  const cellList = cellsSection.findings(r);
  return r.settings.workloads.map((workload) => {
    const cap = capacity.find((t) => t.workload === workload);
    if (cap !== undefined) {
      const rows = cap.rows.filter((x) => x.status === 'ok' && x.sweep !== undefined && x.connections === at.connections && x.pipelining === at.pipelining);
      const ranked = rows
        .map((x) => ({ variant: x.variant, value: typeof x.capacityRps === 'number' ? x.capacityRps : -1, text: `${capacityText(x)} req/s`, row: x }))
        .sort((a, b) => b.value - a.value);
      return verdictOf(
        r,
        workload,
        `capacity at p99 ≤ ${objectiveMs(cap.sloP99Ms)} ms ${where}`,
        ranked,
        (a, b) => {
          const ra = capacityRange(a.row);
          const rb = capacityRange(b.row);
          return ra !== undefined && rb !== undefined && a.value >= 0 && b.value >= 0 && rangesOverlap(ra, rb);
        },
        (best, worst) => (worst.value < 0 ? 'kept up with no rate offered' : `kept up with ${times(best.value / worst.value)} less than ${best.variant}`),
        capFindings,
      );
    }
    const mix = routes.find((t) => t.workload === workload && t.quick !== undefined);
    if (mix !== undefined) {
      const ranked = mix.rows
        .filter((x) => x.status === 'ok' && x.connections === at.connections && x.pipelining === at.pipelining)
        .flatMap((x) => {
          const p99 = x.routes.find((q) => q.quick)?.summary?.latencyP99Ms.median;
          // Lower is better: ranked by the negated p99.
          return p99 === undefined ? [] : [{ variant: x.variant, value: -p99, text: `${ms(p99)} ms` }];
        })
        .sort((a, b) => b.value - a.value);
      return verdictOf(
        r,
        workload,
        `${mix.quick}'s p99 ${where}`,
        ranked,
        (a, b) => b.value / a.value < TIE,
        (best, worst) => `kept ${mix.quick} waiting: its p99 ${times(worst.value / best.value)} ${best.variant}'s`,
        routeList,
      );
    }
    const table = cells.find((t) => t.workload === workload);
    const ranked = (table === undefined ? [] : measured(table, at))
      .map((x) => ({ variant: x.variant, value: x.rps?.median ?? 0, text: `${int(x.rps?.median ?? 0)} req/s${x.clientBound ? ' (a floor)' : ''}` }))
      .sort((a, b) => b.value - a.value);
    return verdictOf(
      r,
      workload,
      `req/s ${where}${r.settings.capacity === null ? '' : ' in a closed loop'}`,
      ranked,
      (a, b) => a.value / b.value < TIE,
      (best, worst) => `served ${times(best.value / Math.max(1, worst.value))} fewer requests than ${best.variant}`,
      cellList,
    );
  });
}

const HEAD = ['workload', 'judged by', 'use', 'runner-up', 'within noise?', 'avoid', 'why'];

/** `single-loop (event-loop), 45,000 req/s`, as Markdown with a link to its finding. */
function pickMarkdown(p: Pick | undefined): string {
  if (p === undefined) return '—';
  const name = p.finding === undefined ? p.variant : `[${p.variant}](#${findingId(p.finding)})`;
  return `${name}${p.model === null ? '' : ` (${p.model})`}, ${p.figure}`;
}

function pickHtml(p: Pick | undefined): string {
  if (p === undefined) return '—';
  const name = p.finding === undefined ? esc(p.variant) : `<a href="#${findingId(p.finding)}">${esc(p.variant)}</a>`;
  return `${name}${p.model === null ? '' : ` (${esc(p.model)})`}, ${esc(p.figure)}`;
}

const tieText = (v: Verdict) => (v.runnerUp === undefined ? '—' : v.tie ? 'yes: no winner between them' : 'no');

/** The verdict: a row per workload, first in the report. */
export const verdictSection: ReportSection = {
  id: 'verdict',
  figureOrder: 0,
  lead: true,
  header: () => [],
  findings: () => [],
  caveats: () => [],
  tables: (r) => {
    const rows = verdicts(r).filter((v) => v.use !== undefined);
    if (rows.length === 0) return { blocks: [] };
    const cells = (v: Verdict, pick: (p: Pick | undefined) => string, text: (s: string) => string) => [
      text(v.workload),
      text(v.by),
      pick(v.use),
      pick(v.runnerUp),
      text(tieText(v)),
      pick(v.avoid),
      text(v.avoid?.why ?? '—'),
    ];
    const md = (s: string) => s.replace(/\|/g, '\\|');
    return {
      title: 'Verdict',
      intro:
        'Per workload, the variant to use and its concurrency model, judged by the figure named; the runner-up, and whether the two are within noise ' +
        '(then either will do); the one to avoid. Each name links to the finding behind it.',
      blocks: [
        {
          heading: '',
          markdown: [
            `| ${HEAD.join(' | ')} |`,
            `| ${HEAD.map(() => '---').join(' | ')} |`,
            ...rows.map((v) => `| ${cells(v, (p) => md(pickMarkdown(p)), md).join(' | ')} |`),
          ],
          html: `<table class="verdict"><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows
  .map(
    (v) =>
      `<tr data-workload="${esc(v.workload)}">${cells(v, pickHtml, esc)
        .map((c) => `<td>${c}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody></table>`,
        },
      ],
    };
  },
  charts: async () => [],
  terminal: () => '',
};
