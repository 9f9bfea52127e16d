/** Probe evaluation: pure functions of one observation, so they are tested without a system. */
import type { GroupName } from '../../spec/index.ts';
import { ALL_GROUPS, type MeasuredFigure, type MetricsSample } from '../../model/target.ts';
import type { Observation, Probe, ProbeResult } from './types.ts';

/** A probe's name with its tolerance, as the journal and report show it. */
export function probeName(probe: Probe): string {
  switch (probe.kind) {
    case 'lag':
      return `lag ≤ ${probe.max} records`;
    case 'errorRate':
      return `errors ≤ ${probe.max}/s`;
    case 'throughput':
      return `${probe.side ?? 'consumed'} ≥ ${probe.min} records/s${probe.overSeconds ? ` over ${probe.overSeconds}s` : ''}`;
    case 'atDesired':
      return `${(probe.groups ?? ALL_GROUPS).join(', ')} at desired capacity`;
    case 'groupSize':
      return `${probe.group} in service ${rangeText(probe.min, probe.max)}`;
    case 'desired':
      return `${probe.group} desired capacity ${rangeText(probe.min, probe.max)}`;
    case 'all':
      return probe.name ?? probe.probes.map(probeName).join(' and ');
    case 'zoneSpread':
      return `${probe.group}: ≥ ${probe.min} in service in ${probe.zones ? probe.zones.join(', ') : 'every zone'}`;
  }
}

function rangeText(min: number | undefined, max: number | undefined): string {
  return [min !== undefined ? `≥ ${min}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
}

function within(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

/** Whether a reading measured `figure` (a scrape that got nothing is unknown, not zero). */
export function measured(m: MetricsSample, figure: MeasuredFigure): boolean {
  return !m.unknown?.includes(figure);
}

function inService(obs: Observation, group: GroupName): number | undefined {
  const state = obs.groups[group];
  return state ? state.members.filter((m) => m.lifecycle === 'InService').length : undefined;
}

/**
 * Evaluate one probe on one observation. A probe whose figure the observation could not measure
 * (a scrape that got nothing, a group state missing) fails, marked `unknown`: unknown is not
 * zero, and never makes a probe hold. `history` (oldest first, ending with `obs`) is what a
 * windowed probe (`throughput` with `overSeconds`) may average over; without it, `obs` alone.
 */
export function evaluateProbe(
  probe: Probe,
  obs: Observation,
  zones: readonly string[] = [],
  history?: readonly Observation[],
): ProbeResult {
  const name = probeName(probe);
  const result = (ok: boolean, observed: string): ProbeResult => ({ name, probe, ok, observed });
  const unknown = (what: string): ProbeResult => ({
    name,
    probe,
    ok: false,
    observed: `${what} unknown`,
    unknown: true,
  });
  const m = obs.metrics;
  switch (probe.kind) {
    case 'lag':
      if (!measured(m, 'lag')) return unknown('lag');
      return result(m.lag <= probe.max, String(m.lag));
    case 'errorRate':
      if (!measured(m, 'errorsPerSecond')) return unknown('error rate');
      return result(m.errorsPerSecond <= probe.max, m.errorsPerSecond.toFixed(2));
    case 'throughput': {
      const figure = probe.side === 'produced' ? 'producedPerSecond' : 'consumedPerSecond';
      if (!probe.overSeconds || !history) {
        if (!measured(m, figure)) return unknown(probe.side ?? 'consumed');
        const value = m[figure];
        return result(value >= probe.min, value.toFixed(1));
      }
      const windowMs = probe.overSeconds * 1000;
      const first = history[0];
      if (!first || obs.t - first.t < windowMs) {
        const seen = first ? (obs.t - first.t) / 1000 : 0;
        return result(false, `window ${seen.toFixed(0)}s of ${probe.overSeconds}s`);
      }
      const inWindow = (o: Observation): boolean => o.t > obs.t - windowMs && o.t <= obs.t;
      if (history.some((o) => inWindow(o) && !measured(o.metrics, figure)))
        return unknown(`${probe.side ?? 'consumed'} (in window)`);
      const value = timeWeightedMean(history, inWindow, (o) => o.metrics[figure]);
      return result(value >= probe.min, value.toFixed(1));
    }
    case 'atDesired': {
      const parts: string[] = [];
      let ok = true;
      let missing = false;
      for (const group of probe.groups ?? ALL_GROUPS) {
        const state = obs.groups[group];
        const n = inService(obs, group);
        if (!state || n === undefined) {
          ok = false;
          missing = true;
          parts.push(`${group} unknown`);
          continue;
        }
        if (n !== state.desired) ok = false;
        parts.push(`${group} ${n}/${state.desired}`);
      }
      const out = result(ok, parts.join(', '));
      if (missing) out.unknown = true;
      return out;
    }
    case 'groupSize': {
      const state = obs.groups[probe.group];
      const n = inService(obs, probe.group);
      if (!state || n === undefined) return unknown(probe.group);
      return result(within(n, probe.min, probe.max), `${n} in service (desired ${state.desired})`);
    }
    case 'desired': {
      const state = obs.groups[probe.group];
      if (!state) return unknown(probe.group);
      const n = inService(obs, probe.group) ?? 0;
      return result(within(state.desired, probe.min, probe.max), `desired ${state.desired} (${n} in service)`);
    }
    case 'all': {
      const parts = probe.probes.map((p) => evaluateProbe(p, obs, zones, history));
      const out = result(
        parts.length > 0 && parts.every((r) => r.ok),
        parts.map((r) => `${r.observed}${r.ok ? '' : ' ✗'}`).join('; '),
      );
      if (parts.some((r) => r.unknown)) out.unknown = true;
      return out;
    }
    case 'zoneSpread': {
      const state = obs.groups[probe.group];
      if (!state) return unknown(probe.group);
      const wanted = probe.zones ?? zones;
      const counts = wanted.map((z) => state.inServiceByZone[z] ?? 0);
      const ok = wanted.length > 0 && counts.every((c) => c >= probe.min);
      return result(ok, wanted.map((z, i) => `${z}:${counts[i]}`).join(' '));
    }
  }
}

/** Evaluate every probe (`history` as for `evaluateProbe`); `ok` is true when all hold. */
export function evaluateAll(
  probes: readonly Probe[],
  obs: Observation,
  zones: readonly string[] = [],
  history?: readonly Observation[],
): { ok: boolean; results: ProbeResult[] } {
  const results = probes.map((p) => evaluateProbe(p, obs, zones, history));
  return { ok: results.every((r) => r.ok), results };
}

/**
 * Index of the first observation from which `probes` hold on `consecutive` observations in a
 * row, or -1. Used both live (expect steps) and afterwards (recovery figures).
 */
export function firstHoldingRun(
  observations: readonly Observation[],
  probes: readonly Probe[],
  consecutive: number,
  zones: readonly string[] = [],
  from = 0,
): number {
  let run = 0;
  for (let i = from; i < observations.length; i++) {
    if (evaluateAll(probes, observations[i]!, zones).ok) {
      run += 1;
      if (run >= consecutive) return i - consecutive + 1;
    } else {
      run = 0;
    }
  }
  return -1;
}

/**
 * The mean of a per-second rate over the observations `selected` picks, each weighted by the
 * time since the observation before it (the interval its rate was measured over). An unweighted
 * mean would let a reading taken moments after the last one, holding one batch's acks over a
 * fraction of a second, count as much as a whole second. The first observation of the history
 * has no interval of its own and takes the one after it.
 */
function timeWeightedMean(
  history: readonly Observation[],
  selected: (o: Observation) => boolean,
  value: (o: Observation) => number,
): number {
  let weighted = 0;
  let total = 0;
  for (const [i, o] of history.entries()) {
    if (!selected(o)) continue;
    const interval = i > 0 ? o.t - history[i - 1]!.t : (history[i + 1]?.t ?? o.t + 1) - o.t;
    weighted += value(o) * interval;
    total += interval;
  }
  return total > 0 ? weighted / total : 0;
}
