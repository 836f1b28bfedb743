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
import { findingsOnly, type ReportSection } from '../section.js';
import { esc } from '../table.js';
import { capacityFindings, capacityRanking, capacityTables, capacityText, ms, objectiveMs } from './capacity.js';
import { cellsSection, throughputRanking, workloadTables } from './cells.js';
import { quickRanking, routeFindings, routeTables } from './routes.js';

/** A variant as the verdict names it: with its model, the figure it was judged by, and the finding that says so. */
export interface Named {
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
  /** Undefined when no variant has a figure to rank (none kept up with any rate, say). */
  use: Named | undefined;
  runnerUp: Named | undefined;
  /** yes: the two are within noise, and either will do; floor: one of them is a floor, so their order is not known; no. */
  tie: 'yes' | 'floor' | 'no';
  /** With three or more ranked, the last, unless it is within noise of the first. */
  avoid: (Named & { why: string }) | undefined;
  /** Said where there is no variant to use. */
  none?: string;
}

/** A variant ranked on one workload: its figure (larger is better), how to say it, and whether the load generator made it a floor. */
interface Ranked {
  variant: string;
  value: number;
  text: string;
  floor: boolean;
}

/**
 * The finding of `list` behind a verdict on `variant` for `workload` (`workload: ...`): the first
 * on that workload that names it; undefined when none names it.
 */
function findingOn(list: readonly string[], workload: string, variant: string): string | undefined {
  const name = new RegExp(`(?<![\\w-])${variant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
  return list.find((f) => f.startsWith(`${workload}: `) && name.test(f));
}

/** How the ranking is judged: two within noise, and why the last is to be avoided. */
interface Judge<T extends Ranked> {
  tie: (a: T, b: T) => boolean;
  why: (best: T, worst: T) => string;
}

function verdictOf<T extends Ranked>(
  r: Results,
  workload: string,
  by: string,
  ranked: T[],
  judge: Judge<T>,
  findings: readonly string[],
  none?: string,
): Verdict {
  const named = (x: T | undefined): Named | undefined =>
    x === undefined ? undefined : { variant: x.variant, model: modelOf(r, x.variant), figure: x.text, finding: findingOn(findings, workload, x.variant) };
  const [best, second] = ranked;
  // With two, the runner-up is the other: there is nothing more to avoid.
  const worst = ranked.length > 2 ? ranked.at(-1) : undefined;
  const avoid = best !== undefined && worst !== undefined && !judge.tie(best, worst) ? worst : undefined;
  const avoided = named(avoid);
  return {
    workload,
    by,
    use: named(best),
    runnerUp: named(second),
    tie: best === undefined || second === undefined ? 'no' : best.floor || second.floor ? 'floor' : judge.tie(best, second) ? 'yes' : 'no',
    avoid: avoided === undefined || avoid === undefined || best === undefined ? undefined : { ...avoided, why: judge.why(best, avoid) },
    ...(best === undefined && none !== undefined ? { none } : {}),
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
  const cellList = cellsSection.findings(r).findings;
  return r.settings.workloads.map((workload) => {
    const cap = capacity.find((t) => t.workload === workload);
    if (cap !== undefined) {
      const { swept, ranked } = capacityRanking(cap, at);
      // Those that kept up with no rate rank last, to be avoided; none of them is to be used.
      const kept = ranked.map((x) => ({
        variant: x.row.variant,
        value: x.rps,
        text: `${capacityText(x.row)} req/s`,
        floor: x.row.generatorBoundAtMiss !== null,
        range: x.range,
      }));
      const noRate = swept
        .filter((x) => x.capacityRps === null)
        .map((x) => ({ variant: x.variant, value: -1, text: 'none kept up', floor: x.generatorBoundAtMiss !== null, range: { lo: 0, hi: 0 } }));
      const objective = `p99 ≤ ${objectiveMs(cap.sloP99Ms)} ms`;
      return verdictOf(
        r,
        workload,
        `capacity at ${objective} ${where}`,
        kept.length === 0 ? [] : [...kept, ...noRate],
        {
          tie: (a, b) => a.value >= 0 && b.value >= 0 && rangesOverlap(a.range, b.range),
          why: (best, worst) =>
            worst.value < 0 ? 'kept up with no rate offered' : `kept up with ${times(best.value / worst.value)} less than ${best.variant}`,
        },
        capFindings,
        swept.length === 0 ? undefined : `no variant kept up with any rate offered at ${objective}`,
      );
    }
    const mix = routes.find((t) => t.workload === workload && t.quick !== undefined);
    if (mix !== undefined) {
      // Lower is better: ranked by the negated p99.
      const ranked = quickRanking(mix, at).map((x) => ({ variant: x.variant, value: -x.quick, text: `${ms(x.quick)} ms`, floor: false }));
      return verdictOf(
        r,
        workload,
        `${mix.quick}'s p99 ${where}`,
        ranked,
        {
          tie: (a, b) => b.value / a.value < TIE,
          why: (best, worst) => `kept ${mix.quick} waiting: its p99 ${times(worst.value / best.value)} ${best.variant}'s`,
        },
        routeList,
      );
    }
    const table = cells.find((t) => t.workload === workload);
    const ranked = (table === undefined ? [] : throughputRanking(table, at)).map((x) => ({
      variant: x.variant,
      value: x.rps?.median ?? 0,
      text: `${int(x.rps?.median ?? 0)} req/s${x.clientBound ? ' (a floor)' : ''}`,
      floor: x.clientBound,
    }));
    return verdictOf(
      r,
      workload,
      `req/s ${where}${r.settings.capacity === null ? '' : ' in a closed loop'}`,
      ranked,
      {
        tie: (a, b) => a.value / b.value < TIE,
        why: (best, worst) => `served ${times(best.value / Math.max(1, worst.value))} fewer requests than ${best.variant}`,
      },
      cellList,
    );
  });
}

const HEAD = ['workload', 'judged by', 'use', 'runner-up', 'within noise?', 'avoid', 'why'];

/** `single-loop (event-loop), 45,000 req/s`, as Markdown with a link to its finding. */
function pickMarkdown(p: Named | undefined): string {
  if (p === undefined) return '—';
  const name = p.finding === undefined ? p.variant : `[${p.variant}](#${findingId(p.finding)})`;
  return `${name}${p.model === null ? '' : ` (${p.model})`}, ${p.figure}`;
}

function pickHtml(p: Named | undefined): string {
  if (p === undefined) return '—';
  const name = p.finding === undefined ? esc(p.variant) : `<a href="#${findingId(p.finding)}">${esc(p.variant)}</a>`;
  return `${name}${p.model === null ? '' : ` (${esc(p.model)})`}, ${esc(p.figure)}`;
}

const TIE_TEXT: Record<Verdict['tie'], string> = { yes: 'yes: no winner between them', floor: 'cannot tell: a floor (the load generator’s limit)', no: 'no' };
const tieText = (v: Verdict) => (v.runnerUp === undefined ? '—' : TIE_TEXT[v.tie]);

/** The verdict: a row per workload, first in the report. */
export const verdictSection: ReportSection = {
  id: 'verdict',
  figureOrder: 0,
  lead: true,
  header: () => [],
  findings: () => findingsOnly([]),
  tables: (r) => {
    const rows = verdicts(r).filter((v) => v.use !== undefined || v.none !== undefined);
    if (rows.length === 0) return { blocks: [] };
    const cells = (v: Verdict, pick: (p: Named | undefined) => string, text: (s: string) => string) => [
      text(v.workload),
      text(v.by),
      v.use === undefined ? text(v.none ?? '—') : pick(v.use),
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
