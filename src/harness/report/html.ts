/**
 * Renders `report.html`: one self-contained page (inline CSS and SVG, no script, no network) with
 * the verdict, time-series charts with fault and scaling markers, the hypothesis before/after,
 * recovery figures, the ledger and the journal.
 */
import type { GroupName } from '../../spec/index.ts';
import type { MeasuredFigure } from '../../model/target.ts';
import type { ScenarioEvent } from '../engine/events.ts';
import type { HypothesisRecord } from '../engine/journal.ts';
import { recoverText } from '../engine/recovery.ts';
import { latencySection } from './latency.ts';
import type { ReportData } from './model.ts';
import { esc, lineChart, type ChartLine, type ChartMarker } from './svg.ts';

const GROUPS: GroupName[] = ['producers', 'consumers', 'kafka', 'cassandra'];
const ZONE_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
const GROUP_COLORS: Record<GroupName, string> = {
  producers: '#1f77b4',
  consumers: '#ff7f0e',
  kafka: '#2ca02c',
  cassandra: '#9467bd',
};
const EVENT_COLORS: Record<ScenarioEvent['kind'], string> = {
  fault: '#d62728',
  restore: '#2ca02c',
  load: '#1f4e9c',
  scaling: '#7f7f7f',
  stop: '#000000',
  note: '#b8860b',
};
/** Members replaced for failing health checks: churn the scenario did not inject. */
const CHURN_COLOR = '#c2185b';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f4f6f8}
main{max-width:1160px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d9dee3;padding-bottom:4px}
.sub{color:#5b6670;margin:0 0 14px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px;vertical-align:middle;margin-left:8px}
.pass{background:#dff3e4;color:#116329}.fail{background:#fde2e1;color:#a40e26}.warn{background:#fff4ce;color:#7a5a00}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}
.card{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:10px 14px}
.card .k{color:#5b6670;font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:20px;font-weight:600}
.card .why{font-size:12px;font-weight:400;color:#5b6670;margin-top:2px}
.chart{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:6px 8px;margin-bottom:12px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde2e7;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff2;vertical-align:top}th{background:#f0f3f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:600}.muted{color:#7a858f}
svg text{font-family:system-ui,sans-serif}.ct{font-size:14px;font-weight:600;fill:#1d2329}.cu{font-size:12px;fill:#7a858f}
.ax{font-size:11px;fill:#5b6670}.grid{stroke:#eceff2}.axis{stroke:#9aa4ad}.mk{stroke-width:1.2;opacity:.75}.mk.dash{stroke-dasharray:3 3}
.ml{font-size:10.5px}.tail{fill:#8a96a3;fill-opacity:.09}.taill{font-size:10.5px;fill:#5b6670;font-style:italic}.lg{font-size:11.5px;fill:#1d2329}.thr{stroke:#d62728;stroke-dasharray:2 3;stroke-width:1}.thrl{font-size:10.5px;fill:#d62728}
`;

function fmtSeconds(v: number | null | undefined): string {
  return v === null || v === undefined ? '<span class="muted">—</span>' : `${v.toFixed(1)} s`;
}

function verdict(ok: boolean, yes = 'yes', no = 'no'): string {
  return ok ? `<span class="ok">${yes}</span>` : `<span class="bad">${no}</span>`;
}

function markersOf(events: readonly ScenarioEvent[]): ChartMarker[] {
  return events
    .filter((e) => e.kind !== 'note' || e.label.startsWith('spared') === false)
    .map((e) =>
      e.replaced?.reason === 'unhealthy'
        ? // Churn gets its own colour and a short label: a replacement nobody asked for.
          { t: e.t / 1000, label: `↻ ${e.replaced.member}`, color: CHURN_COLOR, dashed: false, hoverOnly: false }
        : {
            t: e.t / 1000,
            label: e.label,
            color: EVENT_COLORS[e.kind],
            dashed: e.kind === 'scaling',
            // A desired-capacity change is drawn with its label ("consumers 2→4"); the launches and
            // terminations that follow it, and the twin's own fault records, only as lines (hover,
            // and the events table, give them).
            hoverOnly: (e.kind === 'scaling' || e.kind === 'note') && e.from !== undefined && e.from === e.to,
          },
    );
}

function hypothesisTable(title: string, h: HypothesisRecord | null): string {
  if (!h) return `<h3>${title}</h3><p class="muted">not checked</p>`;
  const rows = h.probes
    .map(
      (p) =>
        `<tr><td>${esc(p.name)}</td><td class="num">${esc(p.observed)}</td><td>${verdict(p.ok, 'holds', 'fails')}</td></tr>`,
    )
    .join('');
  return (
    `<h3>${title}: ${verdict(h.holds, 'holds', 'does not hold')} <span class="muted">(after ${h.waitedSeconds.toFixed(1)} s, at ${(h.t / 1000).toFixed(1)} s)</span></h3>` +
    `<table><tr><th>probe</th><th>observed</th><th>verdict</th></tr>${rows}</table>`
  );
}

/** A sample's figure, or NaN (not drawn) when the sample could not measure it: unknown is not zero. */
function known(p: ReportData['series'][number], figure: MeasuredFigure, value: number): number {
  return p.unknown?.includes(figure) ? Number.NaN : value;
}

function charts(d: ReportData): string {
  const s = d.series;
  const tMax = Math.max(s.at(-1)?.t ?? 0, ...d.events.map((e) => e.t / 1000), 1);
  const markers = markersOf(d.events);
  // The drain after the method runs flat out; shade it and keep it from flattening the method's scale.
  const drainEvent = d.events.find((e) => e.kind === 'load' && e.label.startsWith('drain'));
  const tail = drainEvent ? { tail: { from: drainEvent.t / 1000, label: 'drain' } } : {};
  const out: string[] = [];
  out.push(
    `<div class="chart">${lineChart({
      title: 'Throughput',
      unit: 'records/s',
      tMax,
      height: 280,
      markers,
      ...tail,
      lines: [
        { name: 'produced', color: '#1f77b4', points: s.map((p) => [p.t, known(p, 'producedPerSecond', p.produced)]) },
        {
          name: 'consumed (written to Cassandra)',
          color: '#ff7f0e',
          points: s.map((p) => [p.t, known(p, 'consumedPerSecond', p.consumed)]),
        },
        { name: 'errors', color: '#d62728', points: s.map((p) => [p.t, known(p, 'errorsPerSecond', p.errors)]) },
      ],
    })}</div>`,
  );
  const lagProbe = d.hypothesis.find((h) => h.startsWith('lag ≤'));
  const lagLimit = lagProbe ? Number(/lag ≤ (\d+(\.\d+)?)/.exec(lagProbe)?.[1]) : undefined;
  out.push(
    `<div class="chart">${lineChart({
      title: 'Consumer lag',
      unit: 'records',
      tMax,
      markers,
      markerLabels: false,
      height: 190,
      ...tail,
      ...(lagLimit !== undefined && Number.isFinite(lagLimit)
        ? { threshold: { value: lagLimit, label: `hypothesis: lag ≤ ${lagLimit}` } }
        : {}),
      lines: [{ name: 'lag', color: '#8c564b', points: s.map((p) => [p.t, known(p, 'lag', p.lag)]) }],
    })}</div>`,
  );
  const groupCharts = GROUPS.map((g) => {
    const zones = d.zones.length > 0 ? d.zones : [...new Set(s.flatMap((p) => Object.keys(p.groups[g]?.byZone ?? {})))];
    const lines: ChartLine[] = zones.map((z, i) => ({
      name: z,
      color: ZONE_COLORS[i % ZONE_COLORS.length]!,
      step: true,
      stacked: true,
      points: s.map((p): [number, number] => [p.t, p.groups[g]?.byZone[z] ?? 0]),
    }));
    lines.push({
      name: 'desired',
      color: '#222',
      dashed: true,
      step: true,
      points: s.map((p): [number, number] => [p.t, p.groups[g]?.desired ?? Number.NaN]),
    });
    return `<div class="chart">${lineChart({
      title: `${g}: in service, stacked by zone`,
      unit: 'members',
      tMax,
      markers: markers.filter((m) => m.color !== EVENT_COLORS.load),
      markerLabels: false,
      width: 540,
      height: 210,
      minYMax: 3,
      ...tail,
      lines,
    })}</div>`;
  });
  out.push(`<div class="grid2">${groupCharts.join('')}</div>`);
  out.push(
    `<div class="chart">${lineChart({
      title: 'CPU per group (average over members)',
      unit: '% of one core',
      tMax,
      markers,
      markerLabels: false,
      height: 200,
      minYMax: 100,
      ...tail,
      lines: GROUPS.map((g) => ({
        name: g,
        color: GROUP_COLORS[g],
        points: s.map((p): [number, number] => [p.t, p.cpu[g] ?? Number.NaN]),
      })),
    })}</div>`,
  );
  return out.join('');
}

function ledgerSection(d: ReportData): string {
  const l = d.ledger;
  if (!l) return `<p class="bad">No ledger: ${esc(d.ledgerError ?? 'the run had no dataset to check against')}.</p>`;
  const row = (k: string, v: string | number, good?: boolean): string =>
    `<tr><td>${k}</td><td class="num">${good === undefined ? v : good ? `<span class="ok">${v}</span>` : `<span class="bad">${v}</span>`}</td></tr>`;
  const sampleNames = {
    lost: 'lost',
    unexpected: 'unexpected',
    duplicated: 'duplicated',
    corrupted: 'corrupted content',
    stale: 'stale overwrite',
    lostInS3: 'lost, last seen in S3',
    lostInTopic: 'lost, last seen on the data topic',
    lostConsumed: 'lost, consumed but not in Cassandra',
  } as const;
  const samples = (Object.keys(sampleNames) as (keyof typeof sampleNames)[])
    .filter((k) => (l.samples[k]?.length ?? 0) > 0)
    .map(
      (k) =>
        `<p><b>${sampleNames[k]}</b> (first ${l.samples[k]!.length}): <code>${esc(l.samples[k]!.join(', '))}</code></p>`,
    )
    .join('');
  const contentRows =
    l.contentChecked === undefined || l.contentChecked === null
      ? ''
      : `${row('rows whose version and content were checked', l.contentChecked)}
${row('corrupted (content differs from the source)', l.corrupted ?? 0, !l.corrupted)}
${row('stale overwrite (older version than the source)', l.stale ?? 0, !l.stale)}`;
  const where = l.lostWhere
    ? row(
        'lost by last stage: in S3 only / on the data topic / consumed, not in Cassandra',
        `${l.lostWhere.s3} / ${l.lostWhere.topic} / ${l.lostWhere.consumed}`,
        l.lost === 0,
      )
    : l.lostWhereError
      ? row('lost by last stage', esc(`not looked up: ${l.lostWhereError}`), false)
      : '';
  return `<p>Ledger ${verdict(l.exact, 'exact', 'NOT exact')}${d.drained ? '' : ' <span class="badge warn">pipeline had not drained when read</span>'}</p>
<table><tr><th>count</th><th>records</th></tr>
${row('valid source records (distinct ids)', l.source)}
${row('source records counting repeats', l.sourceRecords)}
${row('ids repeated in the source (collapse into one row)', l.sourceDuplicates)}
${row('rows in Cassandra (this dataset)', l.sinkRows)}
${l.otherSinkRows ? row('rows of other datasets in the table (ignored)', l.otherSinkRows) : ''}
${row('delivered (source ids found in Cassandra)', l.delivered, l.delivered === l.source)}
${row('lost', l.lost, l.lost === 0)}
${where}
${row('duplicated', `${l.duplicated} (sink repeats ${l.sinkDuplicateRows}, dead-lettered and written ${l.deadLetteredAndWritten})`, l.duplicated === 0)}
${row('unexpected (in Cassandra, not in the source)', l.unexpected, l.unexpected === 0)}
${contentRows}
${row('dead-lettered / malformed in the source', `${l.deadLettered} / ${l.expectedDeadLettered ?? '?'}`, l.expectedDeadLettered === null || l.deadLettered === l.expectedDeadLettered)}
${row('objects skipped as unreadable / unreadable in the source', `${l.skippedObjects ?? 0} / ${l.expectedSkippedObjects ?? '?'}`, l.expectedSkippedObjects == null || l.skippedObjects === l.expectedSkippedObjects)}
${row('messages on the dead-letter topic (with redeliveries)', l.deadLetterMessages)}
${row('valid records that were dead-lettered', l.validDeadLettered, l.validDeadLettered === 0)}
</table>${samples}`;
}

function recoverySection(d: ReportData): string {
  const f = d.recovery.faults;
  const faults =
    f.length === 0
      ? '<p class="muted">No faults injected.</p>'
      : `<table><tr><th>fault</th><th>at</th><th>groups</th><th>impact seen</th><th>time to detect</th><th>time to recover</th></tr>${f
          .map(
            (x) =>
              `<tr><td>${esc(x.fault)}</td><td class="num">${x.at.toFixed(1)} s</td><td>${esc(x.zone ? `zone ${x.zone}` : x.groups.join(', '))}</td><td>${x.impact ? 'yes' : 'no'}</td><td class="num">${fmtSeconds(x.detectSeconds)}</td><td class="num">${x.recoverSeconds === null ? `<span class="muted">${esc(recoverText(x))}</span>` : fmtSeconds(x.recoverSeconds)}</td></tr>`,
          )
          .join('')}</table>`;
  const sc = d.recovery.scaling;
  const scaling =
    sc.length === 0
      ? '<p class="muted">No load changes.</p>'
      : `<table><tr><th>after</th><th>at</th><th>group</th><th>scale</th><th>desired</th><th>time to decide</th><th>time to settle</th></tr>${sc
          .map(
            (x) =>
              `<tr><td>${esc(x.trigger)}</td><td class="num">${x.at.toFixed(1)} s</td><td>${x.group}</td><td>${x.direction}</td><td class="num">${x.from ?? '—'} → ${x.to ?? '—'}</td><td class="num">${fmtSeconds(x.decideSeconds)}</td><td class="num">${fmtSeconds(x.settledSeconds)}</td></tr>`,
          )
          .join('')}</table>`;
  return `<h3>Faults</h3>${faults}<h3>Scaling</h3>${scaling}
<p class="muted">Detect: fault → first scaling activity of an affected group. Recover: fault → hypothesis and the affected groups at desired capacity hold again on consecutive samples. Decide: load change → first desired-capacity change; settle: → members in service reach it.</p>`;
}

function journalSection(d: ReportData): string {
  const j = d.journal;
  const rows = (list: typeof j.run): string =>
    list
      .map(
        (a) =>
          `<tr><td>${esc(a.name)}</td><td>${a.type}</td><td class="num">${(a.t0 / 1000).toFixed(1)} s</td><td class="num">${(a.t1 / 1000).toFixed(1)} s</td><td>${a.status === 'succeeded' ? '<span class="ok">succeeded</span>' : a.status === 'failed' ? '<span class="bad">failed</span>' : '<span class="muted">skipped</span>'}</td><td>${esc(a.error ?? a.output ?? '')}</td></tr>`,
      )
      .join('');
  const head = '<tr><th>activity</th><th>type</th><th>start</th><th>end</th><th>outcome</th><th>detail</th></tr>';
  const events = d.events
    .map(
      (e) =>
        `<tr><td class="num">${(e.t / 1000).toFixed(1)} s</td><td><span style="color:${EVENT_COLORS[e.kind]}">■</span> ${e.kind}</td><td>${esc(e.label)}</td></tr>`,
    )
    .join('');
  return `<h3>Method</h3><table>${head}${rows(j.run)}</table>
<h3>Rollbacks</h3>${j.rollbacks.length ? `<table>${head}${rows(j.rollbacks)}</table>` : '<p class="muted">none</p>'}
<h3>Events</h3><table><tr><th>at</th><th>kind</th><th>event</th></tr>${events}</table>
${d.samplerErrors.length ? `<p class="bad">${d.samplerErrors.length} sampling error(s); first: ${esc(d.samplerErrors[0]!.message)}</p>` : ''}`;
}

/**
 * Why the hypothesis did not hold, in one short line under the card's verdict: the steady state
 * before/after, or the method's failed expectations by name.
 */
function hypothesisDetail(d: ReportData): string {
  if (d.hypothesisHeld) return '';
  const j = d.journal;
  const why: string[] = [];
  if (j.steadyStates.before && !j.steadyStates.before.holds) why.push('steady state before');
  if (j.steadyStates.after && !j.steadyStates.after.holds) why.push('steady state after');
  const failed = j.run.filter((a) => a.type === 'probe' && a.status !== 'succeeded').map((a) => a.name);
  if (failed.length > 0)
    why.push(`${failed.length} expectation${failed.length > 1 ? 's' : ''} failed: ${failed.join(', ')}`);
  if (j.status !== 'completed') why.push(`run ${j.status}`);
  return why.length > 0 ? `<div class="why">${esc(why.join('; '))}</div>` : '';
}

/** The churn card: members replaced for failing health checks, per group, against the bound. */
function churnCard(d: ReportData): string {
  const r = d.journal.replacements;
  if (!r) return '<span class="muted">not counted</span>';
  const groups = Object.entries(r.byGroup)
    .map(([g, x]) => `${g} ${x.count}: ${x.members.join(', ')}`)
    .join('; ');
  const bound =
    r.bound === undefined
      ? 'no bound set'
      : typeof r.bound === 'number'
        ? `at most ${r.bound}`
        : `at most ${Object.entries(r.bound)
            .map(([g, n]) => `${n} ${g}`)
            .join(', ')}`;
  const value = r.withinBound
    ? `<span class="${r.total === 0 ? 'ok' : ''}">${r.total}</span>`
    : `<span class="bad">${r.total}</span>`;
  return `${value}<div class="why">${esc(groups || 'none')} · ${esc(bound)}${r.exceeded ? ` · <b>over: ${esc(r.exceeded)}</b>` : ''}</div>`;
}

/** One line per app group: the health checks the target ran, so churn can be read against them. */
function healthCheckLine(d: ReportData): string {
  const h = d.healthChecks;
  if (!h || Object.keys(h).length === 0) return '<p class="muted">Health checks: not reported by the target.</p>';
  const rows = Object.entries(h).map(([g, s]) => {
    if (!s) return '';
    const parts =
      s.type === 'ELB'
        ? [
            `GET ${s.path ?? '/'} every ${s.intervalSeconds ?? '?'} s`,
            `timeout ${s.timeoutSeconds ?? '?'} s`,
            `unhealthy after ${s.unhealthyThreshold ?? '?'} failures in a row, healthy after ${s.healthyThreshold ?? '?'} passes`,
          ]
        : ['instance status only'];
    parts.push(
      `grace ${s.graceSeconds} s real time${s.timeScale && s.timeScale !== 1 ? ` (time scale ${s.timeScale} applies to the interval only)` : ''}`,
    );
    return `<li><b>${esc(g)}</b>: ${esc(s.type)} health checks, ${esc(parts.join(', '))}</li>`;
  });
  return `<p>Health checks used:</p><ul>${rows.join('')}</ul>`;
}

/** Render the whole page. */
export function renderHtml(d: ReportData): string {
  const j = d.journal;
  const badge = d.passed ? '<span class="badge pass">PASSED</span>' : '<span class="badge fail">FAILED</span>';
  const l = d.ledger;
  const cards = [
    ['hypothesis', `${verdict(d.hypothesisHeld, 'held', 'did not hold')}${hypothesisDetail(d)}`],
    ['ledger', l ? verdict(l.exact, 'exact', 'not exact') : '<span class="muted">skipped</span>'],
    ['lost / duplicated', l ? `${l.lost} / ${l.duplicated}` : '—'],
    ['replaced (failed health checks)', churnCard(d)],
    ['wall time', `${d.wallSeconds.toFixed(0)} s`],
  ]
    .map(([k, v]) => `<div class="card"><div class="k">${k}</div><div class="v">${v}</div></div>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>terratower · ${esc(d.scenario)} · ${esc(d.runId)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(d.scenario)} ${badge}</h1>
<p class="sub">${esc(d.description)}<br>target <b>${d.target}</b> · run <code>${esc(d.runId)}</code> · seed ${j.seed} · ${esc(j.start)} → ${esc(j.end)} · status <b>${j.status}</b>${j.stopReason ? ` (${esc(j.stopReason)})` : ''}</p>
<div class="cards">${cards}</div>
<h2>Time series</h2>
<p class="muted">Vertical lines: <span style="color:${EVENT_COLORS.fault}">faults</span>, <span style="color:${EVENT_COLORS.restore}">restores</span>, <span style="color:${EVENT_COLORS.load}">load changes</span>, <span style="color:${EVENT_COLORS.scaling}">scaling activities</span> (dashed), <span style="color:${CHURN_COLOR}">↻ members replaced for failing health checks</span>. Hover a line for its label. The shaded tail is the drain after the method (load unlimited until lag is 0); it does not set a chart's scale, and what goes above it is drawn at the top edge.</p>
${charts(d)}
<h2>End-to-end latency</h2>
${latencySection(d.latency, markersOf(d.events), Math.max(d.series.at(-1)?.t ?? 0, ...d.events.map((e) => e.t / 1000), 1))}
<h2>Steady-state hypothesis</h2>
<div class="grid2"><div>${hypothesisTable('Before', j.steadyStates.before)}</div><div>${hypothesisTable('After', j.steadyStates.after)}</div></div>
<h2>Recovery</h2>${recoverySection(d)}${healthCheckLine(d)}
<h2>Ledger</h2>${ledgerSection(d)}
<h2>Journal</h2>${journalSection(d)}
<p class="muted">Generated ${esc(d.generatedAt)} by terratower. Data: report.json beside this file.</p>
</main></body></html>
`;
}
