// A small SVG line chart: several series over one time axis, redrawn whole on each update.
const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Draw into `svg`. `series`: [{ name, points: [[t, y], …] }]; `markers`: [{ t, label }].
 */
export function drawChart(svg, { title, unit = '', series, markers = [] }) {
  const W = 560;
  const H = 212;
  const L = 56;
  const R = 12;
  const T = 36;
  const B = 28;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points);
  const tMax = Math.max(10, ...all.map((p) => p[0]));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const x = (t) => L + (t / tMax) * (W - L - R);
  const y = (v) => H - B - (v / yMax) * (H - T - B);
  svg.append(el('text', { x: L, y: 15, class: 'chart-title' }, `${title}${unit ? ` (${unit})` : ''}`));
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.append(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(el('text', { x: L - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(v)));
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    svg.append(el('text', { x: x(t), y: H - 8, class: 'tick', 'text-anchor': 'middle' }, `${Math.round(t)}s`));
  }
  for (const m of markers) {
    svg.append(el('line', { x1: x(m.t), x2: x(m.t), y1: T, y2: H - B, class: 'marker' }));
    svg.append(el('text', { x: x(m.t) + 3, y: T + 10, class: 'marker-label' }, m.label));
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    svg.append(el('path', { d, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 1.6 }));
    svg.append(el('rect', { x: L + i * 120, y: 22, width: 10, height: 3, fill: COLORS[i % COLORS.length] }));
    svg.append(el('text', { x: L + i * 120 + 14, y: 27, class: 'legend' }, s.name.slice(0, 18)));
  });
}

function fmt(v) {
  if (v >= 10_000) return `${Math.round(v / 1000)}k`;
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`;
  return String(Math.round(v * 10) / 10);
}
