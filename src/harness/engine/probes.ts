/** Probe evaluation: pure functions of one observation, so they are tested without a system. */
import type { GroupName } from '../../spec/index.ts';
import { ALL_GROUPS } from '../../model/target.ts';
import type { Observation, Probe, ProbeResult } from './types.ts';

/** A probe's name with its tolerance, as the journal and report show it. */
export function probeName(probe: Probe): string {
  switch (probe.kind) {
    case 'lag':
      return `lag ≤ ${probe.max} records`;
    case 'errorRate':
      return `errors ≤ ${probe.max}/s`;
    case 'throughput':
      return `${probe.side ?? 'consumed'} ≥ ${probe.min} records/s`;
    case 'atDesired':
      return `${(probe.groups ?? ALL_GROUPS).join(', ')} at desired capacity`;
    case 'groupSize': {
      const range = [probe.min !== undefined ? `≥ ${probe.min}` : '', probe.max !== undefined ? `≤ ${probe.max}` : '']
        .filter(Boolean)
        .join(' and ');
      return `${probe.group} in service ${range}`;
    }
    case 'zoneSpread':
      return `${probe.group}: ≥ ${probe.min} in service in ${probe.zones ? probe.zones.join(', ') : 'every zone'}`;
  }
}

function inService(obs: Observation, group: GroupName): number | undefined {
  const state = obs.groups[group];
  return state ? state.members.filter((m) => m.lifecycle === 'InService').length : undefined;
}

/**
 * Evaluate one probe on one observation. A probe about a group whose state is missing fails
 * (the observation could not show it holds).
 */
export function evaluateProbe(probe: Probe, obs: Observation, zones: readonly string[] = []): ProbeResult {
  const name = probeName(probe);
  const result = (ok: boolean, observed: string): ProbeResult => ({ name, probe, ok, observed });
  const m = obs.metrics;
  switch (probe.kind) {
    case 'lag':
      return result(m.lag <= probe.max, String(m.lag));
    case 'errorRate':
      return result(m.errorsPerSecond <= probe.max, m.errorsPerSecond.toFixed(2));
    case 'throughput': {
      const value = probe.side === 'produced' ? m.producedPerSecond : m.consumedPerSecond;
      return result(value >= probe.min, value.toFixed(1));
    }
    case 'atDesired': {
      const parts: string[] = [];
      let ok = true;
      for (const group of probe.groups ?? ALL_GROUPS) {
        const state = obs.groups[group];
        const n = inService(obs, group);
        if (!state || n === undefined) {
          ok = false;
          parts.push(`${group} ?`);
          continue;
        }
        if (n !== state.desired) ok = false;
        parts.push(`${group} ${n}/${state.desired}`);
      }
      return result(ok, parts.join(', '));
    }
    case 'groupSize': {
      const n = inService(obs, probe.group);
      if (n === undefined) return result(false, `${probe.group} ?`);
      const ok = (probe.min === undefined || n >= probe.min) && (probe.max === undefined || n <= probe.max);
      return result(ok, String(n));
    }
    case 'zoneSpread': {
      const state = obs.groups[probe.group];
      if (!state) return result(false, `${probe.group} ?`);
      const wanted = probe.zones ?? zones;
      const counts = wanted.map((z) => state.inServiceByZone[z] ?? 0);
      const ok = wanted.length > 0 && counts.every((c) => c >= probe.min);
      return result(ok, wanted.map((z, i) => `${z}:${counts[i]}`).join(' '));
    }
  }
}

/** Evaluate every probe; `ok` is true when all hold. */
export function evaluateAll(
  probes: readonly Probe[],
  obs: Observation,
  zones: readonly string[] = [],
): { ok: boolean; results: ProbeResult[] } {
  const results = probes.map((p) => evaluateProbe(p, obs, zones));
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
