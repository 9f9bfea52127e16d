/**
 * The comparison report: one self-contained HTML page (inline CSS and SVG, no script, no
 * network) — the variants' series overlaid, the per-metric table with medians, intervals and
 * verdicts, the fairness facts with differences flagged, and every run linked to its own
 * report — and `comparison.json` beside it with the same data.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { esc, lineChart, type ChartLine, type ChartMarker } from '../harness/report/svg.ts';
import type { RunRecord, RunSummary } from '../store/index.ts';
import { eventsOf, seriesOf, type Comparison } from './compare.ts';
import { formatValue } from './stats.ts';

const VARIANT_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const DASHES = [false, true];

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f4f6f8}
main{max-width:1160px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d9dee3;padding-bottom:4px}
.sub{color:#5b6670;margin:0 0 14px}
.chart{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:6px 8px;margin-bottom:12px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde2e7;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff2;vertical-align:top}th{background:#f0f3f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.worse{color:#a40e26;font-weight:600}.better{color:#116329;font-weight:600}.muted{color:#7a858f}
.flag{background:#fde2e1}.design{background:#fff8e1}
.note{background:#fff;border:1px solid #dde2e7;border-left:4px solid #1f4e9c;border-radius:6px;padding:8px 12px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
svg text{font-family:system-ui,sans-serif}.ct{font-size:14px;font-weight:600;fill:#1d2329}.cu{font-size:12px;fill:#7a858f}
.ax{font-size:11px;fill:#5b6670}.grid{stroke:#eceff2}.axis{stroke:#9aa4ad}.mk{stroke-width:1.2;opacity:.75}.mk.dash{stroke-dasharray:3 3}
.ml{font-size:10.5px}.tail{fill:#8a96a3;fill-opacity:.09}.taill{font-size:10.5px;fill:#5b6670;font-style:italic}.lg{font-size:11.5px;fill:#1d2329}.thr{stroke:#d62728;stroke-dasharray:2 3;stroke-width:1}.thrl{font-size:10.5px;fill:#d62728}
`;

function colorOf(c: Comparison, group: string): string {
  return VARIANT_COLORS[
    Math.max(
      0,
      c.groups.findIndex((g) => g.name === group),
    ) % VARIANT_COLORS.length
  ]!;
}

function overlay(
  c: Comparison,
  runs: readonly RunRecord[],
  title: string,
  unit: string,
  pick: (p: ReturnType<typeof seriesOf>[number]) => number | undefined,
  markerLabels: boolean,
): string {
  const lines: ChartLine[] = [];
  let tMax = 1;
  for (const g of c.groups) {
    g.runs.forEach((summary, k) => {
      const run = runs.find((r) => r.id === summary.id);
      if (!run) return;
      const s = seriesOf(run);
      const drain = eventsOf(run).find((e) => e.kind === 'load' && e.label.startsWith('drain'));
      const end = drain ? drain.t / 1000 : Number.POSITIVE_INFINITY;
      const points = s.filter((p) => p.t <= end).map((p): [number, number] => [p.t, pick(p) ?? Number.NaN]);
      if (points.length === 0) return;
      tMax = Math.max(tMax, points[points.length - 1]![0]);
      lines.push({
        name: `${g.name}${run.experiment ? ` #${run.experiment.repetition}` : ` ${run.id.slice(-6)}`}`,
        color: colorOf(c, g.name),
        points,
        dashed: DASHES[k % 2]!,
      });
    });
  }
  // Fault and load markers of each group's first run.
  const markers: ChartMarker[] = [];
  for (const g of c.groups) {
    const first = runs.find((r) => r.id === g.runs[0]?.id);
    if (!first) continue;
    for (const e of eventsOf(first))
      if (e.kind === 'fault' || (e.kind === 'load' && !e.label.startsWith('drain')))
        markers.push({
          t: e.t / 1000,
          label: `${g.name}: ${e.label}`,
          color: colorOf(c, g.name),
          dashed: e.kind === 'load',
        });
  }
  if (lines.length === 0) return `<p class="muted">No ${esc(title.toLowerCase())} series stored for these runs.</p>`;
  return `<div class="chart">${lineChart({ title, unit, tMax, lines, markers, markerLabels, height: markerLabels ? 300 : 230 })}</div>`;
}

function metricTable(c: Comparison): string {
  const head = `<tr><th>metric</th>${c.groups.map((g) => `<th><span class="sw" style="background:${colorOf(c, g.name)}"></span>${esc(g.name)}: median [95 % CI] (n)</th>`).join('')}<th>verdict</th></tr>`;
  const rows = c.metrics
    .map((m) => {
      const cells = m.variants
        .map((v) => {
          if (!v.estimate) return `<td class="num muted">— (${v.missing} without)</td>`;
          const e = v.estimate;
          return `<td class="num">${esc(formatValue(e.median, m.metric.unit))} <span class="muted">[${esc(formatValue(e.low, m.metric.unit))}, ${esc(formatValue(e.high, m.metric.unit))}] (${e.n}${v.missing ? `, ${v.missing} without` : ''})</span></td>`;
        })
        .join('');
      const verdicts = m.differences
        .map(
          (d) =>
            `<div class="${d.worse === true ? 'worse' : d.worse === false ? 'better' : 'muted'}">${esc(d.verdict)}</div>`,
        )
        .join('');
      return `<tr><td title="${esc(m.metric.description)}">${esc(m.metric.label)} <span class="muted">(${esc(m.metric.unit)}, ${m.metric.better} is better)</span></td>${cells}<td>${verdicts}</td></tr>`;
    })
    .join('');
  return `<table>${head}${rows}</table>`;
}

function fairnessTable(c: Comparison): string {
  const head = `<tr><th>fact</th>${c.groups.map((g) => `<th>${esc(g.name)}</th>`).join('')}<th></th></tr>`;
  const rows = c.fairness
    .map((f) => {
      const cls = f.differs ? (f.byDesign ? 'design' : 'flag') : '';
      const note = f.differs
        ? f.byDesign
          ? 'differs: the variants\u2019 specs'
          : '<b>DIFFERS</b>: not like for like'
        : 'same';
      return `<tr class="${cls}"><td>${esc(f.fact)}</td>${c.groups.map((g) => `<td>${esc(f.values[g.name] ?? '—')}</td>`).join('')}<td>${note}</td></tr>`;
    })
    .join('');
  return `<table>${head}${rows}</table>`;
}

function runsTable(c: Comparison, dir: string, linkOf?: (run: RunSummary) => string | undefined): string {
  // In the order they ran (interleaved: A B A B).
  const rows = c.groups
    .flatMap((g) => g.runs.map((r) => ({ g, r })))
    .sort((a, b) => (a.r.startedAt ?? a.r.createdAt).localeCompare(b.r.startedAt ?? b.r.createdAt))
    .map(({ g, r }) => {
      const href = r.reportHtml ? (linkOf?.(r) ?? relative(dir, r.reportHtml)) : undefined;
      const link = href ? `<a href="${esc(href)}">report</a>` : '<span class="muted">no report</span>';
      const status =
        r.status === 'passed' ? '<span class="better">passed</span>' : `<span class="worse">${esc(r.status)}</span>`;
      return `<tr><td><span class="sw" style="background:${colorOf(c, g.name)}"></span>${esc(g.name)}</td><td class="num">${r.experiment?.repetition ?? ''}</td><td>${esc(r.experiment?.arm ?? '')}</td><td><code>${esc(r.id)}</code></td><td>${esc(r.scenario)}</td><td>${status}${r.error ? ` <span class="muted">${esc(r.error.slice(0, 160))}</span>` : ''}</td><td class="num">${r.wallSeconds !== undefined ? `${r.wallSeconds.toFixed(0)} s` : '—'}</td><td class="num">${esc(r.startedAt ?? r.createdAt)}</td><td>${link}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>variant</th><th>rep</th><th>group</th><th>run</th><th>scenario</th><th>outcome</th><th>wall</th><th>started</th><th></th></tr>${rows}</table>`;
}

/**
 * Render the comparison page. `dir` is where it will be written (links to run reports are
 * relative to it, unless `linkOf` gives a run's link: the service links to its own URLs).
 */
export function renderComparisonHtml(
  c: Comparison,
  runs: readonly RunRecord[],
  dir: string,
  linkOf?: (run: RunSummary) => string | undefined,
): string {
  const flagged = c.fairness.filter((f) => f.differs && !f.byDesign);
  const claims = c.metrics.flatMap((m) => m.differences.filter((d) => d.worse !== undefined).map((d) => d.verdict));
  const n = c.groups.map((g) => `${g.name} ${g.runs.length}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>terratower · comparison · ${esc(c.title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(c.title)}</h1>
<p class="sub">${c.experimentId ? `experiment <code>${esc(c.experimentId)}</code> · ` : ''}runs per variant: ${esc(n)} · baseline <b>${esc(c.baseline)}</b> · generated ${esc(c.generatedAt)}</p>
${c.modeReason ? `<p class="note"><b>How the variants ran:</b> ${esc(c.modeReason)}</p>` : ''}
<h2>Findings</h2>
${claims.length ? `<ul>${claims.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>` : `<p>No difference detected on any metric at these repetitions (a difference is claimed only where its 95 % interval excludes zero).</p>`}
${flagged.length ? `<p class="worse">Not like for like: ${esc(flagged.map((f) => f.fact).join(', '))} differ between the variants (see Fairness).</p>` : '<p class="muted">Fairness: machine, versions, revision and dataset were the same for every variant.</p>'}
<h2>Metrics</h2>
${metricTable(c)}
<p class="muted">Median per variant with a percentile-bootstrap 95 % interval (seeded; runs without the figure are counted, not guessed). Differences are medians of the variant minus the baseline, with their own bootstrap interval.</p>
<h2>Series</h2>
<p class="muted">Every run of every variant, overlaid on the scenario's clock (solid and dashed alternate by repetition); the drain after the method is left out. Vertical lines: each variant's first run's faults and load changes.</p>
${overlay(c, runs, 'Throughput consumed (written to Cassandra)', 'records/s', (p) => p.consumed, true)}
${overlay(c, runs, 'Consumer lag', 'records', (p) => p.lag, false)}
${overlay(c, runs, 'Consumers in service', 'members', (p) => p.groups.consumers?.inService, false)}
${overlay(c, runs, 'Kafka brokers in service', 'members', (p) => p.groups.kafka?.inService, false)}
<h2>Fairness</h2>
${fairnessTable(c)}
<h2>Runs</h2>
${runsTable(c, dir, linkOf)}
<p class="muted">Generated by terratower. Data: comparison.json beside this file; every run is in the run store.</p>
</main></body></html>
`;
}

/** Write `comparison.html` and `comparison.json` into `dir`; returns their paths. */
export async function writeComparison(
  dir: string,
  c: Comparison,
  runs: readonly RunRecord[],
): Promise<{ html: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'comparison.html');
  const json = join(dir, 'comparison.json');
  await writeFile(html, renderComparisonHtml(c, runs, dirname(html)));
  await writeFile(json, `${JSON.stringify(c, null, 2)}\n`);
  return { html, json };
}
