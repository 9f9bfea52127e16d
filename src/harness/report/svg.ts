/**
 * A small SVG line-chart renderer for the self-contained report: no library, no network.
 * Time on x (seconds), one or more lines, event markers as vertical lines with labels.
 */

/** One line of a chart. */
export interface ChartLine {
  name: string;
  color: string;
  /** [seconds, value] pairs, in time order. */
  points: [number, number][];
  /** Dashed line (for targets, desired capacity). */
  dashed?: boolean;
  /** Draw as steps (for counts such as group sizes). */
  step?: boolean;
  /** Stack this line's values on the previous stacked lines' and fill the band (same time grid). */
  stacked?: boolean;
}

/** A vertical marker. */
export interface ChartMarker {
  /** Seconds. */
  t: number;
  label: string;
  color: string;
  dashed?: boolean;
  /** Only on hover (its `<title>`), never written on the chart: member launches and terminations. */
  hoverOnly?: boolean;
}

/** What to draw. */
export interface ChartOptions {
  title: string;
  unit: string;
  lines: ChartLine[];
  markers: ChartMarker[];
  /** Right end of the time axis, seconds. */
  tMax: number;
  width?: number;
  height?: number;
  /** Lowest top of the y axis (so a flat zero line is not drawn mid-chart). @default 1 */
  minYMax?: number;
  /** Horizontal reference line (a tolerance). */
  threshold?: { value: number; label: string };
  /** Draw marker labels (the first chart does; the others only draw the lines). @default true */
  markerLabels?: boolean;
  /**
   * A shaded tail from `from` seconds to the end (the drain after the method): its values do
   * not set the y scale, and values above the scale are drawn at its top edge.
   */
  tail?: { from: number; label: string };
}

/** Escape text for HTML/SVG. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round `max` up to a "nice" axis top and return ~`count` tick values from 0. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

function formatValue(v: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(v % 1e6 === 0 ? 0 : 1)}M`;
  if (Math.abs(v) >= 1e3) return `${(v / 1e3).toFixed(v % 1e3 === 0 ? 0 : 1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Width of a marker label at the chart's label font (10 px sans-serif), a little generous. */
const LABEL_CHAR_PX = 5.8;
/** Rows of marker labels above a chart, at most. */
const MAX_LABEL_ROWS = 4;

/** A marker label with its row and which side of its line it is written on. */
interface PlacedLabel {
  marker: ChartMarker;
  row: number;
  anchor: 'start' | 'end';
}

/**
 * Rows for the marker labels so that no two overlap: each label goes into the first row where
 * it clears the labels already there; a label that fits no row is left to its line's hover
 * text, as are `hoverOnly` markers.
 */
export function placeMarkerLabels(markers: readonly ChartMarker[], tMax: number, plotW: number): PlacedLabel[] {
  const rowEnds: number[] = [];
  const placed: PlacedLabel[] = [];
  const sorted = markers.filter((m) => !m.hoverOnly).sort((a, b) => a.t - b.t);
  for (const marker of sorted) {
    const mx = (Math.min(Math.max(marker.t, 0), Math.max(tMax, 1)) / Math.max(tMax, 1)) * plotW;
    const w = marker.label.length * LABEL_CHAR_PX + 6;
    const anchor = mx + w > plotW ? 'end' : 'start';
    const [from, to] = anchor === 'start' ? [mx, mx + w] : [mx - w, mx];
    let row = rowEnds.findIndex((end) => end <= from);
    if (row === -1 && rowEnds.length < MAX_LABEL_ROWS) row = rowEnds.push(-Infinity) - 1;
    if (row === -1) continue;
    rowEnds[row] = to;
    placed.push({ marker, row, anchor });
  }
  return placed;
}

/** Render one chart as an inline `<svg>`. */
export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 1100;
  const height = o.height ?? 220;
  const left = 62;
  const right = 16;
  const placed = o.markerLabels === false ? [] : placeMarkerLabels(o.markers, o.tMax, width - left - right);
  const labelRows = placed.reduce((rows, p) => Math.max(rows, p.row + 1), 0);
  const legendY = 38;
  const labelTop = legendY + 6;
  const top = labelTop + labelRows * 13 + 6;
  const bottom = 30;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const tMax = Math.max(o.tMax, 1);
  let yMax = Math.max(o.minYMax ?? 1, o.threshold?.value ?? 0);
  // Stacked lines become bands: each point's value is the running sum over the stacked lines.
  const stackTops: [number, number][][] = [];
  const lines = o.lines.map((line) => {
    if (!line.stacked) return { line, base: undefined as [number, number][] | undefined };
    const below = stackTops[stackTops.length - 1];
    const points = line.points.map(([t, v], i): [number, number] => [
      t,
      (Number.isFinite(v) ? v : 0) + (below?.[i]?.[1] ?? 0),
    ]);
    const base = below ?? line.points.map(([t]): [number, number] => [t, 0]);
    stackTops.push(points);
    return { line: { ...line, points }, base };
  });
  const scaled = (t: number): boolean => o.tail === undefined || t < o.tail.from;
  for (const { line } of lines)
    for (const [t, v] of line.points) if (Number.isFinite(v) && scaled(t)) yMax = Math.max(yMax, v);
  const yTicks = niceTicks(yMax * 1.05);
  const yTop = yTicks[yTicks.length - 1]!;
  const x = (t: number): number => left + (t / tMax) * plotW;
  const y = (v: number): number => top + plotH - (Math.min(v, yTop) / yTop) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(o.title)}">`,
  );
  parts.push(`<text x="${left}" y="16" class="ct">${esc(o.title)}</text>`);
  parts.push(`<text x="${width - right}" y="16" class="cu" text-anchor="end">${esc(o.unit)}</text>`);
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" class="ax">${formatValue(tick)}</text>`,
    );
  }
  for (const tick of niceTicks(tMax, 10)) {
    if (tick > tMax) continue;
    parts.push(
      `<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${top + plotH}" y2="${top + plotH + 4}" class="axis"/>`,
    );
    parts.push(
      `<text x="${x(tick).toFixed(1)}" y="${top + plotH + 17}" text-anchor="middle" class="ax">${formatValue(tick)}s</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/>`);
  if (o.tail && o.tail.from < tMax) {
    const tx = x(Math.max(0, o.tail.from));
    parts.push(
      `<rect x="${tx.toFixed(1)}" y="${top}" width="${(left + plotW - tx).toFixed(1)}" height="${plotH}" class="tail"><title>${esc(o.tail.label)}</title></rect>`,
    );
    parts.push(`<text x="${(tx + 4).toFixed(1)}" y="${top + 11}" class="taill">${esc(o.tail.label)}</text>`);
  }
  if (o.threshold) {
    const ty = y(o.threshold.value).toFixed(1);
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${ty}" y2="${ty}" class="thr"/>`);
    parts.push(
      `<text x="${left + plotW - 4}" y="${(Number(ty) - 4).toFixed(1)}" text-anchor="end" class="thrl">${esc(o.threshold.label)}</text>`,
    );
  }
  o.markers.forEach((m) => {
    const mx = x(Math.min(Math.max(m.t, 0), tMax)).toFixed(1);
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${top - 4}" y2="${top + plotH}" stroke="${m.color}" class="mk${m.dashed ? ' dash' : ''}"><title>${esc(`${m.t.toFixed(1)}s ${m.label}`)}</title></line>`,
    );
  });
  for (const p of placed) {
    const mx = x(Math.min(Math.max(p.marker.t, 0), tMax));
    const ly = labelTop + p.row * 13 + 9;
    const tx = p.anchor === 'start' ? mx + 3 : mx - 3;
    parts.push(
      `<text x="${tx.toFixed(1)}" y="${ly}" fill="${p.marker.color}" text-anchor="${p.anchor}" class="ml">${esc(p.marker.label)}</text>`,
    );
  }
  const path = (pts: [number, number][], step: boolean | undefined): string[] => {
    const coords: string[] = [];
    pts.forEach(([t, v], i) => {
      if (step && i > 0) coords.push(`${x(t).toFixed(1)},${y(pts[i - 1]![1]).toFixed(1)}`);
      coords.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    });
    return coords;
  };
  for (const { line, base } of lines) {
    const pts = line.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
    if (pts.length === 0) continue;
    const coords = path(pts, line.step);
    if (base) {
      const under = path(base, line.step).reverse();
      parts.push(
        `<polygon points="${[...coords, ...under].join(' ')}" fill="${line.color}" fill-opacity="0.45" stroke="none"><title>${esc(line.name)}</title></polygon>`,
      );
      parts.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${line.color}" stroke-width="1"/>`);
      continue;
    }
    parts.push(
      `<polyline points="${coords.join(' ')}" fill="none" stroke="${line.color}" stroke-width="${line.dashed ? 1.5 : 2}"${line.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${esc(line.name)}</title></polyline>`,
    );
  }
  // Legend: one row under the title.
  let lx = left;
  for (const line of o.lines) {
    parts.push(
      line.stacked
        ? `<rect x="${lx}" y="${legendY - 9}" width="16" height="10" fill="${line.color}" fill-opacity="0.6"/>`
        : `<line x1="${lx}" x2="${lx + 16}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${line.color}" stroke-width="3"${line.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 20}" y="${legendY}" class="lg">${esc(line.name)}</text>`);
    lx += 28 + line.name.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}
