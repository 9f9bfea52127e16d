// terratower's web UI: plain ES modules, no build step, nothing from a CDN.
import { drawChart } from '/ui/chart.js';

const view = document.getElementById('view');
let meta = { scenarios: [], figures: [], statuses: [] };
let cleanup = () => {};

// --- the token: from the URL fragment the server printed, kept for this tab only ----------
const hashToken = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (hashToken) {
  sessionStorage.setItem('terratower-token', decodeURIComponent(hashToken[1]));
  history.replaceState(null, '', `${location.pathname}#/`);
}
const token = () => sessionStorage.getItem('terratower-token') ?? '';

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (init.method && init.method !== 'GET') headers.authorization = `Bearer ${token()}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { ...init, headers });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, body };
}

function renderToken() {
  const slot = document.getElementById('token-state');
  slot.replaceChildren();
  if (token()) {
    slot.append(
      h('span', { class: 'muted' }, 'token set '),
      h(
        'button',
        {
          class: 'link',
          onclick: () => {
            sessionStorage.removeItem('terratower-token');
            renderToken();
          },
        },
        'forget',
      ),
    );
  } else {
    const input = h('input', {
      type: 'password',
      placeholder: 'bearer token (to start or cancel runs)',
      size: 34,
      id: 'token-input',
    });
    slot.append(
      input,
      h(
        'button',
        {
          onclick: () => {
            sessionStorage.setItem('terratower-token', input.value.trim());
            renderToken();
          },
        },
        'use',
      ),
    );
  }
}

const statusBadge = (s) => h('span', { class: `badge status-${s}` }, s);
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const secs = (v) => (typeof v === 'number' ? `${v.toFixed(0)} s` : '');

// --- run list ------------------------------------------------------------------------------
async function runList() {
  const selected = new Set();
  const compare = h(
    'button',
    {
      id: 'compare',
      disabled: true,
      onclick: () => {
        location.hash = `#/compare/${[...selected].join(',')}`;
      },
    },
    'Compare selected',
  );
  const statusFilter = h(
    'select',
    { id: 'status-filter', onchange: () => load() },
    h('option', { value: '' }, 'any status'),
    ...meta.statuses.map((s) => h('option', { value: s }, s)),
  );
  const table = h('table', { class: 'runs' });
  const pager = h('div', { class: 'pager' });
  let offset = 0;
  const limit = 25;
  view.replaceChildren(h('div', { class: 'toolbar' }, h('h1', {}, 'Runs'), statusFilter, compare), table, pager);

  async function load() {
    const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (statusFilter.value) q.set('status', statusFilter.value);
    const { body } = await api(`/api/runs?${q}`);
    table.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ''),
          h('th', {}, 'run'),
          h('th', {}, 'scenario'),
          h('th', {}, 'experiment / variant'),
          h('th', {}, 'status'),
          h('th', {}, 'created'),
          h('th', {}, 'wall'),
          h('th', {}, 'report'),
        ),
      ),
      h(
        'tbody',
        {},
        ...body.runs.map((r) =>
          h(
            'tr',
            { 'data-run': r.id },
            h(
              'td',
              {},
              h('input', {
                type: 'checkbox',
                'aria-label': `select ${r.id}`,
                checked: selected.has(r.id),
                onchange: (e) => {
                  if (e.target.checked) selected.add(r.id);
                  else selected.delete(r.id);
                  compare.disabled = selected.size < 2;
                },
              }),
            ),
            h('td', {}, h('a', { href: `#/run/${r.id}` }, r.id)),
            h('td', {}, r.scenario),
            h(
              'td',
              {},
              r.experiment ? `${r.experiment.name} / ${r.experiment.variant} #${r.experiment.repetition}` : '—',
            ),
            h('td', {}, statusBadge(r.status)),
            h('td', {}, time(r.createdAt)),
            h('td', {}, secs(r.wallSeconds)),
            h('td', {}, r.reportHtml ? h('a', { href: `/api/runs/${r.id}/report`, target: '_blank' }, 'report') : ''),
          ),
        ),
      ),
    );
    if (body.runs.length === 0)
      table.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no runs yet: start an experiment')));
    pager.replaceChildren(
      h(
        'button',
        {
          disabled: offset === 0,
          onclick: () => {
            offset = Math.max(0, offset - limit);
            load();
          },
        },
        '← newer',
      ),
      h('span', { class: 'muted' }, ` ${offset + 1}–${offset + body.runs.length} `),
      h(
        'button',
        {
          disabled: body.runs.length < limit,
          onclick: () => {
            offset += limit;
            load();
          },
        },
        'older →',
      ),
    );
  }
  await load();
  const timer = setInterval(load, 3000);
  cleanup = () => clearInterval(timer);
}

// --- new experiment form ----------------------------------------------------------------
function newExperiment() {
  const errorsAt = new Map();
  const fieldError = (path) => {
    const e = h('div', { class: 'field-error', 'data-error-for': path });
    errorsAt.set(path, e);
    return e;
  };
  const name = h('input', { id: 'f-name', name: 'name', value: 'my-experiment', required: true });
  const scenario = h(
    'select',
    { id: 'f-scenario', name: 'scenario' },
    ...meta.scenarios.map((s) => h('option', { value: s.name, title: s.description }, s.name)),
  );
  const repetitions = h('input', { id: 'f-repetitions', name: 'repetitions', type: 'number', value: 1, min: 1 });
  const variantsBox = h('div', { id: 'variants' });
  const general = h('div', { class: 'form-error', id: 'form-error' });
  const result = h('div', { id: 'form-result' });

  const addVariant = (vname = '', overrides = '{}') => {
    const row = h(
      'div',
      { class: 'variant' },
      h('input', { class: 'v-name', placeholder: 'variant name', value: vname, 'aria-label': 'variant name' }),
      h('textarea', { class: 'v-overrides', rows: 2, 'aria-label': 'spec overrides (JSON)' }, overrides),
      h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'remove'),
      h('div', { class: 'field-error v-error' }),
    );
    variantsBox.append(row);
  };
  addVariant('control', '{}');
  addVariant('rf2', '{ "kafka": { "replicationFactor": 2, "minInSyncReplicas": 1 } }');

  const submit = async (event) => {
    event.preventDefault();
    for (const e of [...errorsAt.values(), general, ...variantsBox.querySelectorAll('.v-error')]) e.textContent = '';
    result.replaceChildren();
    const variants = {};
    let bad = false;
    for (const row of variantsBox.querySelectorAll('.variant')) {
      const vname = row.querySelector('.v-name').value.trim();
      const text = row.querySelector('.v-overrides').value.trim() || '{}';
      try {
        variants[vname] = JSON.parse(text);
      } catch (error) {
        row.querySelector('.v-error').textContent = `overrides are not JSON: ${error.message}`;
        bad = true;
      }
    }
    if (bad) return;
    const body = {
      name: name.value.trim(),
      scenarios: [scenario.value],
      repetitions: Number(repetitions.value),
      variants,
    };
    const res = await api('/api/experiments', { method: 'POST', body: JSON.stringify(body) });
    if (res.status === 202) {
      result.append(
        h('p', { class: 'ok' }, `queued ${res.body.runs.length} run(s) of experiment ${res.body.experiment}: `),
        ...res.body.runs.map((id) => h('a', { href: `#/run/${id}`, class: 'queued-run' }, id, ' ')),
      );
      return;
    }
    if (res.status === 400 && Array.isArray(res.body.issues)) {
      general.textContent = `${res.body.issues.length} problem(s): nothing was queued`;
      for (const issue of res.body.issues) {
        let target = null;
        if (issue.path === 'name') target = errorsAt.get('name');
        else if (issue.path.startsWith('scenario')) target = errorsAt.get('scenarios');
        else if (issue.path === 'repetitions') target = errorsAt.get('repetitions');
        else if (issue.path.startsWith('variants.')) {
          const vname = issue.path.slice('variants.'.length).split('.')[0];
          const row = [...variantsBox.querySelectorAll('.variant')].find(
            (r) => r.querySelector('.v-name').value.trim() === vname,
          );
          target = row?.querySelector('.v-error') ?? null;
        }
        if (!target && issue.path === 'variants') target = errorsAt.get('variants');
        (target ?? general).append(h('div', { class: 'issue' }, h('code', {}, issue.path), `: ${issue.message}`));
      }
      return;
    }
    general.textContent = `${res.status}: ${res.body.error ?? res.body}`;
  };

  view.replaceChildren(
    h('h1', {}, 'New experiment'),
    h(
      'form',
      { id: 'experiment-form', onsubmit: submit, novalidate: true },
      h('label', { for: 'f-name' }, 'Name'),
      name,
      fieldError('name'),
      h('label', { for: 'f-scenario' }, 'Scenario'),
      scenario,
      fieldError('scenarios'),
      h('label', {}, 'Variants (name and spec overrides as JSON)'),
      variantsBox,
      h('button', { type: 'button', onclick: () => addVariant() }, '+ variant'),
      fieldError('variants'),
      h('label', { for: 'f-repetitions' }, 'Repetitions (each variant)'),
      repetitions,
      fieldError('repetitions'),
      general,
      h('button', { type: 'submit', id: 'start', class: 'primary' }, 'Start'),
      result,
    ),
  );
  cleanup = () => {};
}

// --- one run, live ------------------------------------------------------------------------
async function runView(id) {
  const { status, body: run } = await api(`/api/runs/${id}`);
  if (status !== 200) {
    view.replaceChildren(h('p', {}, `no run ${id}`));
    return;
  }
  const samples = [];
  const events = [...(run.live?.events ?? [])];
  const steps = [...(run.live?.steps ?? [])];
  const badge = h('span', { id: 'run-status' }, statusBadge(run.status));
  const stepsList = h('ol', { id: 'steps', class: 'steps' });
  const throughput = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  throughput.id = 'chart-throughput';
  const lag = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  lag.id = 'chart-lag';
  const logBox = h('pre', { id: 'log', class: 'log' });
  const after = h('div', { id: 'run-after' });
  const cancel = h(
    'button',
    {
      id: 'cancel',
      onclick: async () => {
        const res = await api(`/api/runs/${id}/cancel`, { method: 'POST' });
        cancel.textContent = res.ok ? 'cancelling…' : `cancel: ${res.body.error}`;
      },
    },
    'Cancel run',
  );
  const ticker = h('span', { id: 'ticker', class: 'muted' });

  view.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, `Run ${id}`), badge, cancel),
    h(
      'p',
      { class: 'muted' },
      `${run.scenario}${run.experiment ? ` · ${run.experiment.name} / ${run.experiment.variant} #${run.experiment.repetition}` : ''} · created ${time(run.createdAt)}`,
    ),
    h(
      'div',
      { class: 'live' },
      h('section', {}, h('h2', {}, 'Steps ', ticker), stepsList),
      h('section', { class: 'charts' }, throughput, lag),
    ),
    after,
    h('details', { open: true }, h('summary', {}, 'progress log'), logBox),
  );

  const drawSteps = () => {
    stepsList.replaceChildren(
      ...steps.map((s, i) => {
        const next = steps[i + 1];
        const end = next ? Date.parse(next.startedAt) : Date.now();
        const done = Boolean(next) || !['running', 'queued'].includes(currentStatus);
        return h(
          'li',
          { class: done ? 'done' : 'current' },
          s.index > 0 ? `${s.index}/${s.of} ${s.name}` : s.name,
          h('span', { class: 'muted' }, ` ${Math.round((end - Date.parse(s.startedAt)) / 1000)} s`),
        );
      }),
    );
  };
  const drawCharts = () => {
    const markers = events
      .filter((e) => e.kind === 'fault' || e.kind === 'load')
      .map((e) => ({ t: e.t / 1000, label: e.label }));
    drawChart(throughput, {
      title: 'throughput',
      unit: 'records/s',
      series: [
        { name: 'produced', points: samples.map((p) => [p.t, p.produced]) },
        { name: 'consumed', points: samples.map((p) => [p.t, p.consumed]) },
      ],
      markers,
    });
    drawChart(lag, {
      title: 'consumer lag',
      unit: 'records',
      series: [{ name: 'lag', points: samples.map((p) => [p.t, p.lag]) }],
      markers,
    });
  };
  let currentStatus = run.status;
  const finish = async () => {
    cancel.disabled = true;
    const { body: full } = await api(`/api/runs/${id}?detail=true`);
    badge.replaceChildren(statusBadge(full.status));
    if (samples.length === 0 && Array.isArray(full.detail?.series)) samples.push(...full.detail.series);
    if (events.length === 0 && Array.isArray(full.detail?.events)) events.push(...full.detail.events);
    drawCharts();
    drawSteps();
    const figures = meta.figures.filter((f) => full.figures && full.figures[f.name] !== undefined);
    after.replaceChildren(
      h('h2', {}, 'Verdict'),
      h(
        'p',
        { id: 'verdict', class: `verdict status-${full.status}` },
        full.status === 'passed'
          ? 'PASSED: hypothesis held and the ledger is exact'
          : full.status === 'failed'
            ? 'FAILED'
            : full.status,
        full.error ? ` — ${full.error}` : '',
      ),
      figures.length
        ? h(
            'table',
            { class: 'figures' },
            ...figures.map((f) =>
              h('tr', {}, h('th', {}, f.label), h('td', {}, full.figures[f.name] ?? '—', ' ', f.unit)),
            ),
          )
        : '',
      full.reportHtml
        ? h('p', {}, h('a', { id: 'report-link', href: `/api/runs/${id}/report`, target: '_blank' }, 'Open the report'))
        : '',
      full.reportHtml ? h('iframe', { id: 'report-frame', src: `/api/runs/${id}/report`, title: 'report' }) : '',
    );
  };

  if (['running', 'queued'].includes(run.status)) {
    const source = new EventSource(`/api/runs/${id}/events`);
    source.addEventListener('step', (e) => {
      steps.push(JSON.parse(e.data).step);
      drawSteps();
    });
    source.addEventListener('sample', (e) => {
      samples.push(JSON.parse(e.data).point);
      drawCharts();
    });
    source.addEventListener('event', (e) => {
      events.push(JSON.parse(e.data).event);
    });
    source.addEventListener('log', (e) => {
      logBox.textContent += `${JSON.parse(e.data).line}\n`;
      logBox.scrollTop = logBox.scrollHeight;
    });
    source.addEventListener('status', (e) => {
      const m = JSON.parse(e.data);
      currentStatus = m.status;
      badge.replaceChildren(statusBadge(m.status));
      health();
      if (!['running', 'queued'].includes(m.status)) {
        source.close();
        finish();
      }
    });
    // Replayed steps arrive again on the stream: start from it alone.
    steps.length = 0;
    events.length = 0;
    const tick = setInterval(() => {
      if (['running', 'queued'].includes(currentStatus)) {
        drawSteps();
        ticker.textContent = `· ${samples.length} samples`;
      }
    }, 1000);
    cleanup = () => {
      source.close();
      clearInterval(tick);
    };
    drawCharts();
  } else {
    logBox.textContent = (run.live?.lines ?? []).join('\n');
    cleanup = () => {};
    await finish();
  }
}

// --- comparison -------------------------------------------------------------------------
async function compareView(ids) {
  const runs = (await Promise.all(ids.map((id) => api(`/api/runs/${id}?detail=true`))))
    .filter((r) => r.ok)
    .map((r) => r.body);
  const label = (r) => (r.experiment ? `${r.experiment.variant} #${r.experiment.repetition}` : r.id.slice(-6));
  const thr = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const lag = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const series = (r) => (Array.isArray(r.detail?.series) ? r.detail.series : []);
  drawChart(thr, {
    title: 'consumed',
    unit: 'records/s',
    series: runs.map((r) => ({ name: label(r), points: series(r).map((p) => [p.t, p.consumed]) })),
  });
  drawChart(lag, {
    title: 'consumer lag',
    unit: 'records',
    series: runs.map((r) => ({ name: label(r), points: series(r).map((p) => [p.t, p.lag]) })),
  });
  view.replaceChildren(
    h('h1', {}, `Compare ${runs.length} runs`),
    h(
      'table',
      { class: 'figures compare', id: 'compare-table' },
      h(
        'tr',
        {},
        h('th', {}, ''),
        ...runs.map((r) =>
          h('th', {}, h('a', { href: `#/run/${r.id}` }, label(r)), h('div', { class: 'muted small' }, r.id)),
        ),
      ),
      h('tr', {}, h('th', {}, 'scenario'), ...runs.map((r) => h('td', {}, r.scenario))),
      h('tr', {}, h('th', {}, 'status'), ...runs.map((r) => h('td', {}, statusBadge(r.status)))),
      ...meta.figures.map((f) =>
        h(
          'tr',
          {},
          h('th', { title: f.description }, `${f.label} (${f.unit}, ${f.better} is better)`),
          ...runs.map((r) => h('td', {}, r.figures?.[f.name] ?? '—')),
        ),
      ),
      h(
        'tr',
        {},
        h('th', {}, 'report'),
        ...runs.map((r) =>
          h('td', {}, r.reportHtml ? h('a', { href: `/api/runs/${r.id}/report`, target: '_blank' }, 'report') : '—'),
        ),
      ),
    ),
    h(
      'p',
      {},
      h(
        'a',
        { id: 'comparison-report', href: `/api/compare?runs=${ids.join(',')}`, target: '_blank' },
        'Comparison report (medians, intervals, fairness, series overlaid)',
      ),
    ),
    runs.some((r) => series(r).length > 0)
      ? h('section', { class: 'charts' }, thr, lag)
      : h('p', { class: 'muted' }, 'no series to overlay'),
  );
  cleanup = () => {};
}

// --- routing ---------------------------------------------------------------------------
async function route() {
  cleanup();
  health();
  const hash = location.hash || '#/';
  let m;
  if (hash === '#/new') newExperiment();
  else if ((m = /^#\/run\/([a-z0-9-]+)$/.exec(hash))) await runView(m[1]);
  else if ((m = /^#\/compare\/([a-z0-9,-]+)$/.exec(hash))) await compareView(m[1].split(','));
  else await runList();
}

async function health() {
  const { body } = await api('/healthz');
  document.getElementById('server-state').textContent = body.draining
    ? 'shutting down: no new runs'
    : body.inFlight.length
      ? `running ${body.inFlight.join(', ')}`
      : 'idle';
}

meta = (await api('/api/meta')).body;
renderToken();
window.addEventListener('hashchange', route);
await route();
await health();
setInterval(health, 5000);
