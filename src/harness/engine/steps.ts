/** Runs one method step or rollback against a target, recording the events it causes. */
import { sleep } from '../../support/time.ts';
import { describeLatencyFault, latencyFaultProblem } from '../../spec/latency-fault.ts';
import { ALL_GROUPS, type Target } from '../../model/target.ts';
import { selectMembers } from '../select.ts';
import type { ScenarioEvent } from './events.ts';
import { evaluateAll, probeName } from './probes.ts';
import { streamFor, terminationSchedule, type Random } from './random.ts';
import type { Sampler } from './sampler.ts';
import type { Observation, Probe, RollbackAction, StepAction, ZoneRef } from './types.ts';

/** What a step runs with. */
export interface StepContext {
  target: Target;
  sampler: Sampler;
  baselineLoad: number;
  seed: number;
  /**
   * Record an event on the run's timeline, at `atMs` (ms since the epoch; default now). A fault
   * is stamped when it was issued, not when the target's call returned: the platform may react
   * (a replacement) before the call is back, and that reaction is its time to detect.
   */
  event: (event: Omit<ScenarioEvent, 't' | 'time'>, atMs?: number) => void;
  /** Zones taken out and not yet restored (rollbacks restore them). */
  zonesOut: Set<string>;
  /** Aborted when the run must stop (stop condition, interrupt). */
  signal: AbortSignal;
  /** Told, by an expect step, whether its probe already held on the last observation before it started. */
  noteProbeStart?: (heldAtStart: boolean | undefined) => void;
  /** How many observations had been taken when each step of the method ended, by label (`changeSince`). */
  stepEnds?: ReadonlyMap<string, number>;
}

/** Resolve a zone given by name or index. */
export function resolveZone(zones: readonly string[], zone: ZoneRef): string {
  if (typeof zone === 'number') {
    const name = zones[zone];
    if (name === undefined) throw new Error(`zone index ${zone} out of range (zones: ${zones.join(', ')})`);
    return name;
  }
  if (!zones.includes(zone)) throw new Error(`unknown zone "${zone}" (zones: ${zones.join(', ')})`);
  return zone;
}

/** The label a step gets when it has none. */
export function describeAction(action: StepAction | RollbackAction, zones: readonly string[] = []): string {
  const z = (ref: ZoneRef): string => (typeof ref === 'number' && zones[ref] ? zones[ref]! : String(ref));
  switch (action.kind) {
    case 'setLoad':
      return action.recordsPerSecond !== undefined
        ? `set load ${action.recordsPerSecond}/s`
        : `set load ×${action.multiplier ?? 1}`;
    case 'wait':
      return `wait ${action.seconds}s`;
    case 'kill':
      return action.percent !== undefined
        ? `kill ${action.percent}% of ${action.group}`
        : `kill ${action.count ?? 1} of ${action.group}`;
    case 'killZone':
      return `kill ${(action.groups ?? ['every group']).join(', ')} in ${z(action.zone)}`;
    case 'zoneOutage':
      return `zone ${z(action.zone)} out (${action.mode})`;
    case 'latency':
      return `zone ${z(action.zone)} ${describeLatencyFault(action)} to the other zones`;
    case 'zoneRestore':
      return `zone ${z(action.zone)} back`;
    case 'randomTermination':
      return `random termination of ${action.group}, mean ${action.meanIntervalSeconds}s over ${action.windowSeconds}s`;
    case 'expect':
      return `expect ${action.requireChange ? 'a change to ' : ''}${probeName(action.probe)} within ${action.withinSeconds}s${action.holdSeconds ? `, then for ${action.holdSeconds}s` : ''}`;
    case 'setDesired':
      return `set ${action.group} desired ${action.desired}`;
    case 'stressCpu':
      return `stress CPU of ${action.group} for ${action.seconds}s`;
  }
}

/** What `waitForProbes` saw. */
export interface ProbeWait {
  /** The probes held (on the required consecutive observations, after a change when required). */
  ok: boolean;
  /** The last observation's results. */
  last: ReturnType<typeof evaluateAll> | undefined;
  waitedMs: number;
  /**
   * Whether the probes already held on the last observation taken before the wait began;
   * undefined when there was none.
   */
  heldAtStart: boolean | undefined;
  /** With `changeFrom`: the probes were seen not holding between that observation and the start. */
  changedBefore: boolean;
}

/**
 * Wait until `probes` hold on `consecutive` observations in a row, for at most `withinMs`. With
 * `requireChange`, a hold only counts once the probes were seen not holding (on the observation
 * before the start or on one after it; with `changeFrom`, on any observation from that index on):
 * a condition that held all along proves no change.
 */
export function waitForProbes(
  ctx: Pick<StepContext, 'sampler' | 'target' | 'signal'>,
  probes: Parameters<typeof evaluateAll>[0],
  consecutive: number,
  withinMs: number,
  options: { requireChange?: boolean; historyFrom?: number; changeFrom?: number } = {},
): Promise<ProbeWait> {
  const started = Date.now();
  // Windowed probes average only over observations from here on (or from `historyFrom`).
  const from = options.historyFrom ?? ctx.sampler.observations.length;
  const before = ctx.sampler.observations.at(-1);
  // With the step's own history (none yet): a windowed probe cannot have held before the step.
  const heldAtStart = before
    ? evaluateAll(probes, before, ctx.target.zones, ctx.sampler.observations.slice(from)).ok
    : undefined;
  const changedBefore =
    options.changeFrom !== undefined &&
    ctx.sampler.observations
      .slice(options.changeFrom)
      .some((obs) => !evaluateAll(probes, obs, ctx.target.zones, ctx.sampler.observations.slice(from)).ok);
  return new Promise((resolve) => {
    let run = 0;
    // Armed: holds count. Without requireChange at once; with it once a failing observation was seen.
    let armed = !options.requireChange || heldAtStart === false || changedBefore;
    let last: ReturnType<typeof evaluateAll> | undefined;
    let unsubscribe: () => void = () => undefined;
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      unsubscribe();
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ ok, last, waitedMs: Date.now() - started, heldAtStart, changedBefore });
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(false), withinMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    unsubscribe = ctx.sampler.subscribe((obs: Observation) => {
      last = evaluateAll(probes, obs, ctx.target.zones, ctx.sampler.observations.slice(from));
      if (!last.ok) armed = true;
      run = last.ok && armed ? run + 1 : 0;
      if (run >= consecutive) finish(true);
    });
  });
}

/**
 * Whether `probe` holds on every observation for `forMs` from now. Returns at the first failing
 * observation, with what it saw; `lowest` is the observation closest to failing, in words.
 * Windowed probes average over the observations from index `historyFrom` (the step's start).
 */
function keepsHolding(
  ctx: Pick<StepContext, 'sampler' | 'target' | 'signal'>,
  probe: Probe,
  forMs: number,
  historyFrom: number,
): Promise<{ ok: boolean; afterMs: number; observed: string; lowest: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let lowest = '';
    let unsubscribe: () => void = () => undefined;
    const finish = (ok: boolean, observed: string): void => {
      clearTimeout(timer);
      unsubscribe();
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ ok, afterMs: Date.now() - started, observed, lowest: lowest || observed });
    };
    const onAbort = (): void => finish(false, 'stopped');
    const timer = setTimeout(() => finish(true, lowest), forMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let lowestValue = Number.POSITIVE_INFINITY;
    unsubscribe = ctx.sampler.subscribe((obs: Observation) => {
      const r = evaluateAll([probe], obs, ctx.target.zones, ctx.sampler.observations.slice(historyFrom)).results[0]!;
      if (!r.ok) return finish(false, r.observed);
      const value = Number.parseFloat(r.observed);
      if (Number.isFinite(value) && value < lowestValue) {
        lowestValue = value;
        lowest = r.observed;
      }
    });
  });
}

async function kill(
  ctx: StepContext,
  group: (typeof ALL_GROUPS)[number],
  ids: string[],
  label: string,
  zone?: string,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const issuedAt = Date.now();
  const killed = await ctx.target.killMembers(group, { ids });
  const event: Omit<ScenarioEvent, 't' | 'time'> = { kind: 'fault', label, group, members: killed };
  if (zone) event.zone = zone;
  ctx.event(event, issuedAt);
  return killed;
}

/** Run one action. Returns a line for the journal; throws when the action or expectation fails. */
export async function runAction(
  ctx: StepContext,
  action: StepAction | RollbackAction,
  stepIndex: number,
): Promise<string> {
  const { target } = ctx;
  switch (action.kind) {
    case 'setLoad': {
      const rate = Math.round(action.recordsPerSecond ?? ctx.baselineLoad * (action.multiplier ?? 1));
      await target.setLoad(rate);
      ctx.event({ kind: 'load', label: `load ${rate}/s`, recordsPerSecond: rate });
      return `load set to ${rate} records/s`;
    }
    case 'wait':
      await sleep(action.seconds * 1000, ctx.signal);
      return `waited ${action.seconds}s`;
    case 'kill': {
      const state = await target.groupState(action.group);
      const selector = action.percent !== undefined ? { percent: action.percent } : { count: action.count ?? 1 };
      const victims = selectMembers(state, selector, streamFor(ctx.seed, stepIndex));
      if (victims.length === 0) throw new Error(`${action.group}: no member in service to kill`);
      const ids = victims.map((m) => m.id);
      const killed = await kill(ctx, action.group, ids, `kill ${ids.join(', ')}`);
      return `killed ${killed.join(', ')}`;
    }
    case 'killZone': {
      const zone = resolveZone(target.zones, action.zone);
      const done: string[] = [];
      for (const group of action.groups ?? ALL_GROUPS) {
        const state = await target.groupState(group);
        const ids = selectMembers(state, { zone }).map((m) => m.id);
        done.push(...(await kill(ctx, group, ids, `kill ${group} in ${zone}`, zone)));
      }
      return done.length > 0 ? `killed ${done.join(', ')}` : `nothing ran in ${zone}`;
    }
    case 'zoneOutage': {
      const zone = resolveZone(target.zones, action.zone);
      const issuedAt = Date.now();
      const how = await target.zoneOutage(zone, action.mode);
      const mode = how ? `${action.mode}: ${how}` : action.mode;
      ctx.zonesOut.add(zone);
      ctx.event({ kind: 'fault', label: `zone ${zone} out (${mode})`, zone }, issuedAt);
      return `zone ${zone} taken out (${mode})`;
    }
    case 'latency': {
      const zone = resolveZone(target.zones, action.zone);
      const latency = {
        delayMs: action.delayMs,
        seconds: action.seconds,
        ...(action.lossPercent !== undefined ? { lossPercent: action.lossPercent } : {}),
      };
      const problem = latencyFaultProblem(latency);
      if (problem) throw new Error(problem);
      const issuedAt = Date.now();
      const how = await target.zoneLatency(zone, latency);
      const label = `zone ${zone} ${describeLatencyFault(latency)} to the other zones (${how})`;
      // A rollback restores it early, like a zone taken out.
      ctx.zonesOut.add(zone);
      ctx.event({ kind: 'fault', label, zone }, issuedAt);
      return `${label}: in place`;
    }
    case 'zoneRestore': {
      const zone = resolveZone(target.zones, action.zone);
      await target.zoneRestore(zone);
      ctx.zonesOut.delete(zone);
      ctx.event({ kind: 'restore', label: `zone ${zone} back`, zone });
      return `zone ${zone} restored`;
    }
    case 'randomTermination':
      return randomTermination(ctx, action, streamFor(ctx.seed, stepIndex));
    case 'expect': {
      const historyFrom = ctx.sampler.observations.length;
      const changeFrom = action.changeSince === undefined ? undefined : ctx.stepEnds?.get(action.changeSince);
      if (action.changeSince !== undefined && changeFrom === undefined)
        throw new Error(`changeSince "${action.changeSince}": no earlier step of the method has ended with that label`);
      const { ok, last, waitedMs, heldAtStart, changedBefore } = await waitForProbes(
        ctx,
        [action.probe],
        action.consecutive ?? 1,
        action.withinSeconds * 1000,
        {
          requireChange: action.requireChange ?? false,
          historyFrom,
          ...(changeFrom !== undefined ? { changeFrom } : {}),
        },
      );
      ctx.noteProbeStart?.(heldAtStart);
      let observed = last?.results[0]?.observed ?? 'no observation';
      if (ok && action.holdSeconds) {
        const kept = await keepsHolding(ctx, action.probe, action.holdSeconds * 1000, historyFrom);
        if (!kept.ok)
          throw new Error(
            `${probeName(action.probe)} held after ${(waitedMs / 1000).toFixed(1)}s but not for ${action.holdSeconds}s: it failed ${(kept.afterMs / 1000).toFixed(1)}s later (${kept.observed})`,
          );
        observed = `${observed}; kept holding for ${action.holdSeconds}s, lowest ${kept.lowest}`;
      }
      const already = !heldAtStart
        ? ''
        : !action.requireChange
          ? '; it already held before the step started: this shows no change'
          : changedBefore
            ? `; it already held before the step started, and the change was seen after "${action.changeSince}" ended`
            : action.changeSince !== undefined
              ? `; it already held before the step started and had not changed since "${action.changeSince}" ended, so a change was waited for`
              : '; it already held before the step started, so a change was waited for';
      if (!ok)
        throw new Error(
          `${probeName(action.probe)} did not hold within ${action.withinSeconds}s (last: ${observed})${already}`,
        );
      return `held after ${(waitedMs / 1000).toFixed(1)}s (${observed})${already}`;
    }
    case 'setDesired':
      await target.setDesired(action.group, action.desired);
      ctx.event({ kind: 'note', label: `${action.group} desired ${action.desired}`, group: action.group });
      return `${action.group} desired set to ${action.desired}`;
    case 'stressCpu': {
      const stress = {
        group: action.group,
        seconds: action.seconds,
        ...(action.workers !== undefined ? { workers: action.workers } : {}),
      };
      const issuedAt = Date.now();
      await target.stressCpu(stress);
      ctx.event({ kind: 'fault', label: `CPU stress ${action.group}`, group: action.group }, issuedAt);
      return `stressing ${action.group} for ${action.seconds}s`;
    }
  }
}

async function randomTermination(
  ctx: StepContext,
  action: Extract<StepAction, { kind: 'randomTermination' }>,
  random: Random,
): Promise<string> {
  const schedule = terminationSchedule(random, action.meanIntervalSeconds, action.windowSeconds);
  const keep = action.keepAtLeast ?? 1;
  const started = Date.now();
  const killed: string[] = [];
  for (const offset of schedule) {
    await sleep(started + offset * 1000 - Date.now(), ctx.signal);
    const state = await ctx.target.groupState(action.group);
    const inService = state.members.filter((m) => m.lifecycle === 'InService').length;
    if (inService <= keep) {
      ctx.event({ kind: 'note', label: `spared ${action.group} (${inService} in service)`, group: action.group });
      continue;
    }
    const [victim] = selectMembers(state, { count: 1 }, random);
    if (victim) killed.push(...(await kill(ctx, action.group, [victim.id], `monkey kills ${victim.id}`)));
  }
  await sleep(started + action.windowSeconds * 1000 - Date.now(), ctx.signal);
  return `schedule ${schedule.map((s) => s.toFixed(1)).join(', ') || '(none)'}s; killed ${killed.join(', ') || 'nothing'}`;
}
