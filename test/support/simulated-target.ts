/**
 * The simulated target of the unit tier: our own `Target` interface in memory, for tests of the
 * engine and the experiment runner (what they do and conclude for a given behaviour of the
 * pipeline), never a stand-in for Kafka, Cassandra or AWS in integration tests. Two ways to run it:
 *
 * - **live** (the default): a toy pipeline. Groups keep their desired capacity: a killed member is
 *   replaced `replaceMs` later by a new one (an activity is logged); `setDesired` scales at once.
 *   A zone outage freezes the zone's members and the lag reads 5000 until it is restored. Records
 *   go from the source (the uploaded dataset, else `id-0 … id-<records-1>`) to the sink at the
 *   load last set, 0 meaning unlimited as the apps read it, a little at every metrics reading.
 * - **replay** (`history`): at every read it asks a recorded history what the groups and metrics
 *   were at that moment (seconds since the replay started, and the load and zone events the
 *   scenario asked for), and derives the scaling activities an Auto Scaling group would have logged
 *   from the difference with the previous frame (desired capacity changes; members gone while
 *   unhealthy = replaced for failing health checks, gone otherwise = lost). A replay cannot be
 *   changed: kills and desired changes throw. Run it under fake timers to replay minutes in
 *   milliseconds.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseContentLine } from '../../src/harness/dataset/content.ts';
import { CONTENT_FILE, VALID_IDS_FILE } from '../../src/harness/dataset/manifest.ts';
import { selectMembers } from '../../src/harness/select.ts';
import {
  ALL_GROUPS,
  type CpuStress,
  type DeadLetter,
  type GroupState,
  type MeasuredFigure,
  type MemberLifecycle,
  type MemberSelector,
  type MemberState,
  type MetricsSample,
  type PipelineEndpoints,
  type ScalingActivity,
  type SinkRow,
  type Target,
  type TopicLocation,
  type UploadedDataset,
  type ZoneLatency,
  type ZoneOutageMode,
} from '../../src/model/target.ts';
import type { GroupName } from '../../src/spec/index.ts';

/** The zones of every simulated target. */
export const SIM_ZONES = ['z-a', 'z-b', 'z-c'] as const;

/** The lag a live target reads while a zone is out. */
export const FROZEN_LAG = 5000;

/** One member in a replayed frame. */
export interface ReplayMember {
  id: string;
  lifecycle: MemberLifecycle;
  /** @default derived from the id's number */
  zone?: string;
}

/** One group in a replayed frame. */
export interface ReplayGroup {
  desired: number;
  members: ReplayMember[];
}

/** What the history says at one moment. */
export interface ReplayFrame {
  groups: Record<GroupName, ReplayGroup>;
  metrics: {
    produced: number;
    consumed: number;
    lag: number;
    errors?: number;
    /** Figures the reading could not measure at that moment. */
    unknown?: MeasuredFigure[];
  };
}

/** What a history is asked with. */
export interface ReplayClock {
  /** Seconds since the replay started. */
  t: number;
  /** The load the scenario set last (records/s). */
  load: number;
  /** When (t) the load was last changed. */
  loadSince: number;
  /** Every load change, oldest first. */
  loads: { t: number; rate: number }[];
  /** Zone outages, latencies and restores the scenario asked for, oldest first. */
  zoneEvents: { t: number; zone: string; what: ZoneOutageMode | 'latency' | 'restore' }[];
}

/** A recorded history: the frame at a moment. Histories may keep state (calls come in time order). */
export type History = (clock: ReplayClock) => ReplayFrame;

/** Options of {@link SimulatedTarget}. */
export interface SimulatedTargetOptions {
  /** @default `sim-run` */
  runId?: string;
  /** Members per group at the start (live). @default producers 1, consumers 2, kafka 3, cassandra 3 */
  sizes?: Partial<Record<GroupName, number>>;
  /** How long a killed member takes to be replaced (live). @default 150 */
  replaceMs?: number;
  /** Records of the source before any dataset is uploaded (live). @default 500 */
  records?: number;
  /** Replay this history instead of simulating. */
  history?: History;
  /**
   * Report `datasetProduced` (true once the source is all delivered), as the producers' dataset
   * gauge does; `false` withholds it. @default true
   */
  reportsDatasetProduced?: boolean;
  /** Report every lag as the previous read's (`lagStale`), as a slow Kafka makes it. @default false */
  staleLag?: boolean;
}

const DEFAULT_SIZES: Record<GroupName, number> = { producers: 1, consumers: 2, kafka: 3, cassandra: 3 };

/** The zone of member `<group>-<n>`: members go round the zones in order. */
function zoneOf(id: string): string {
  const n = Number(/(\d+)$/.exec(id)?.[1] ?? 1);
  return SIM_ZONES[(n - 1) % SIM_ZONES.length]!;
}

const REPLAY_IS_FIXED = 'a replay cannot be changed: it only plays back what happened';

/** A target in memory: a toy pipeline, or the replay of a recorded history. */
export class SimulatedTarget implements Target {
  readonly kind = 'local' as const;
  readonly runId: string;
  readonly zones = SIM_ZONES;
  /**
   * What the scenario asked for, in order: `kill a,b`, `outage z-b disrupt`,
   * `latency z-b 50ms 1% 30s`, `restore z-b`, `load 2000`.
   */
  readonly calls: string[] = [];
  /** Every member killed, in order. */
  readonly killed: string[] = [];
  /** Every scaling activity logged so far. */
  readonly activities: ScalingActivity[] = [];
  /** When `deploy` and `teardown` were last called (ms since the epoch; 0: never). */
  deployedAt = 0;
  tornDownAt = 0;
  private readonly started = Date.now();
  private readonly replaceMs: number;
  private readonly history: History | undefined;
  private readonly reportsDatasetProduced: boolean;
  private readonly staleLag: boolean;
  private readonly groups = new Map<GroupName, { desired: number; members: MemberState[]; next: number }>();
  private readonly frozen = new Set<string>();
  /** Zones with latency in place, and the timer that ends it. */
  private readonly latent = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly loads: ReplayClock['loads'] = [];
  private readonly zoneEvents: ReplayClock['zoneEvents'] = [];
  private source: SinkRow[];
  private datasetUploaded = false;
  private readonly delivered: SinkRow[] = [];
  private lastMetrics = this.started;
  private frame: { t: number; frame: ReplayFrame } | undefined;

  constructor(options: SimulatedTargetOptions = {}) {
    this.runId = options.runId ?? 'sim-run';
    this.replaceMs = options.replaceMs ?? 150;
    this.history = options.history;
    this.reportsDatasetProduced = options.reportsDatasetProduced ?? true;
    this.staleLag = options.staleLag ?? false;
    this.source = Array.from({ length: options.records ?? 500 }, (_, i) => ({ id: `id-${i}`, version: 1, digest: '' }));
    for (const group of ALL_GROUPS) {
      const n = options.sizes?.[group] ?? DEFAULT_SIZES[group];
      const members = Array.from({ length: n }, (_, i) => this.member(`${group}-${i + 1}`, 'InService'));
      this.groups.set(group, { desired: n, members, next: n + 1 });
    }
  }

  private member(id: string, lifecycle: MemberLifecycle, zone = zoneOf(id), launchedAt = Date.now()): MemberState {
    return { id, zone, lifecycle, address: '127.0.0.1', launchedAt: new Date(launchedAt).toISOString() };
  }

  private secondsSinceStart(): number {
    return (Date.now() - this.started) / 1000;
  }

  /** Replay: the frame now (asked once per instant), with the groups set from it and the activities since the last one. */
  private replayed(): ReplayFrame | undefined {
    if (!this.history) return undefined;
    const t = this.secondsSinceStart();
    if (this.frame?.t === t) return this.frame.frame;
    const last = this.loads.at(-1);
    const frame = this.history({
      t,
      load: last?.rate ?? 0,
      loadSince: last?.t ?? 0,
      loads: [...this.loads],
      zoneEvents: [...this.zoneEvents],
    });
    if (this.frame) this.logDifference(this.frame.frame, frame);
    this.frame = { t, frame };
    for (const [group, g] of Object.entries(frame.groups) as [GroupName, ReplayGroup][]) {
      const members = g.members.map((m) => this.member(m.id, m.lifecycle, m.zone, this.started));
      this.groups.set(group, { desired: g.desired, members, next: 0 });
    }
    return frame;
  }

  private logDifference(before: ReplayFrame, after: ReplayFrame): void {
    const time = new Date().toISOString();
    for (const group of Object.keys(after.groups) as GroupName[]) {
      const a = before.groups[group];
      const b = after.groups[group];
      if (a.desired !== b.desired)
        this.activities.push({ time, group, cause: 'replayed desired change', from: a.desired, to: b.desired });
      const ids = new Set(b.members.map((m) => m.id));
      for (const m of a.members) {
        if (ids.has(m.id)) continue;
        // A member that left while the group still wanted it was replaced; one that left with a
        // desired drop was scaled in.
        const scaledIn = b.desired < a.desired;
        if (scaledIn && m.lifecycle === 'InService') continue;
        const reason = m.lifecycle === 'Unhealthy' || m.lifecycle === 'Pending' ? 'unhealthy' : 'lost';
        this.activities.push({
          time,
          group,
          cause: `replayed replacement of ${m.id} (${reason})`,
          from: b.desired,
          to: b.desired,
          replaced: { member: m.id, reason },
        });
      }
    }
  }

  private group(group: GroupName): { desired: number; members: MemberState[]; next: number } {
    const g = this.groups.get(group);
    if (!g) throw new Error(`no group ${group}`);
    return g;
  }

  async deploy(): Promise<PipelineEndpoints> {
    this.deployedAt = Date.now();
    return this.endpoints();
  }
  async teardown(): Promise<void> {
    this.tornDownAt = Date.now();
  }
  endpoints(): PipelineEndpoints {
    return {
      s3Endpoint: '',
      bucket: 'sim',
      kafkaBootstrap: [],
      cassandraContactPoints: [],
      groups: { producers: [], consumers: [], kafka: [], cassandra: [] },
    };
  }

  async groupState(group: GroupName): Promise<GroupState> {
    this.replayed();
    const g = this.group(group);
    const members = g.members.map((m) => (this.frozen.has(m.zone) ? { ...m, lifecycle: 'Frozen' as const } : { ...m }));
    const inServiceByZone: Record<string, number> = Object.fromEntries(SIM_ZONES.map((z) => [z, 0]));
    for (const m of members)
      if (m.lifecycle === 'InService') inServiceByZone[m.zone] = (inServiceByZone[m.zone] ?? 0) + 1;
    return { group, min: 1, max: 8, desired: g.desired, members, inServiceByZone };
  }
  async scalingActivities(since: Date): Promise<ScalingActivity[]> {
    this.replayed();
    return this.activities.filter((a) => Date.parse(a.time) >= since.getTime());
  }

  async killMembers(group: GroupName, selector: MemberSelector): Promise<string[]> {
    if (this.history) throw new Error(REPLAY_IS_FIXED);
    const g = this.group(group);
    const victims = selectMembers(await this.groupState(group), selector).map((m) => m.id);
    this.calls.push(`kill ${victims.join(',')}`);
    this.killed.push(...victims);
    g.members = g.members.filter((m) => !victims.includes(m.id));
    for (const id of victims) {
      setTimeout(() => {
        g.members.push(this.member(`${group}-${g.next++}`, 'InService'));
        this.activities.push({
          time: new Date().toISOString(),
          group,
          cause: `replace ${id}`,
          from: g.desired,
          to: g.desired,
        });
      }, this.replaceMs);
    }
    return victims;
  }
  async setDesired(group: GroupName, desired: number): Promise<void> {
    if (this.history) throw new Error(REPLAY_IS_FIXED);
    const g = this.group(group);
    this.activities.push({ time: new Date().toISOString(), group, cause: 'set desired', from: g.desired, to: desired });
    g.desired = desired;
    while (g.members.length < desired) g.members.push(this.member(`${group}-${g.next++}`, 'InService'));
    g.members = g.members.slice(0, desired);
  }
  async zoneOutage(zone: string, mode: ZoneOutageMode): Promise<string> {
    this.calls.push(`outage ${zone} ${mode}`);
    this.zoneEvents.push({ t: this.secondsSinceStart(), zone, what: mode });
    // A replayed history says itself what an outage did to the members.
    if (!this.history) this.frozen.add(zone);
    return 'simulated';
  }
  /** Records the call; the latency is in place (see `latencyZones`) until `seconds` pass or `zoneRestore`. */
  async zoneLatency(zone: string, latency: ZoneLatency): Promise<string> {
    this.calls.push(`latency ${zone} ${latency.delayMs}ms ${latency.lossPercent ?? 0}% ${latency.seconds}s`);
    this.zoneEvents.push({ t: this.secondsSinceStart(), zone, what: 'latency' });
    clearTimeout(this.latent.get(zone));
    const timer = setTimeout(() => this.latent.delete(zone), latency.seconds * 1000);
    timer.unref?.();
    this.latent.set(zone, timer);
    return 'simulated';
  }
  /** The zones with latency in place now. */
  latencyZones(): string[] {
    return [...this.latent.keys()];
  }
  async zoneRestore(zone: string): Promise<void> {
    this.calls.push(`restore ${zone}`);
    this.zoneEvents.push({ t: this.secondsSinceStart(), zone, what: 'restore' });
    this.frozen.delete(zone);
    clearTimeout(this.latent.get(zone));
    this.latent.delete(zone);
  }
  async stressCpu(_stress: CpuStress): Promise<void> {}

  async setLoad(recordsPerSecond: number): Promise<void> {
    this.calls.push(`load ${recordsPerSecond}`);
    this.loads.push({ t: this.secondsSinceStart(), rate: recordsPerSecond });
  }
  async getLoad(): Promise<number> {
    return this.loads.at(-1)?.rate ?? 0;
  }

  async metrics(): Promise<MetricsSample> {
    const time = new Date().toISOString();
    const replayed = this.replayed()?.metrics;
    if (replayed)
      return {
        time,
        producedPerSecond: replayed.produced,
        consumedPerSecond: replayed.consumed,
        lag: replayed.lag,
        errorsPerSecond: replayed.errors ?? 0,
        deadLettered: 0,
        cpuByGroup: {},
        ...(replayed.unknown ? { unknown: [...replayed.unknown] } : {}),
      };
    const now = Date.now();
    const dt = (now - this.lastMetrics) / 1000;
    this.lastMetrics = now;
    const load = await this.getLoad();
    const n = Math.min(this.source.length, load === 0 ? this.source.length : Math.round(load * dt));
    this.delivered.push(...this.source.splice(0, n));
    const rate = dt > 0 ? n / dt : 0;
    return {
      time,
      producedPerSecond: rate,
      consumedPerSecond: rate,
      lag: this.frozen.size > 0 ? FROZEN_LAG : 0,
      errorsPerSecond: 0,
      deadLettered: 0,
      cpuByGroup: { consumers: 20 },
      ...(this.reportsDatasetProduced ? { datasetProduced: this.source.length === 0 } : {}),
      ...(this.staleLag ? { lagStale: true } : {}),
    };
  }

  /** Takes the dataset's valid records (with their content, where the dataset has it) as the source. */
  async uploadDataset(dir: string): Promise<UploadedDataset> {
    const ids = (await readFile(join(dir, VALID_IDS_FILE), 'utf8')).split('\n').filter(Boolean);
    const content = existsSync(join(dir, CONTENT_FILE))
      ? (await readFile(join(dir, CONTENT_FILE), 'utf8')).split('\n').map(parseContentLine)
      : [];
    const rows = new Map(content.filter((row) => row !== undefined).map((row) => [row.id, row]));
    const uploaded = ids.map((id) => rows.get(id) ?? { id, version: 1, digest: '' });
    // The first dataset replaces the toy source; later ones (a fed dataset's chunks) add to it.
    this.source = this.datasetUploaded ? [...this.source, ...uploaded] : uploaded;
    this.datasetUploaded = true;
    return { bucket: 'sim', keys: [], bytes: 0 };
  }
  async *readSinkIds(): AsyncIterable<string> {
    for (const row of this.delivered) yield row.id;
  }
  async *readSinkRows(): AsyncIterable<SinkRow> {
    yield* this.delivered;
  }
  async locateInTopic(): Promise<Map<string, TopicLocation>> {
    return new Map();
  }
  async *deadLetters(): AsyncIterable<DeadLetter> {}
}

/** Members `prefix-1 … prefix-n`, all in service. */
export function inService(prefix: string, n: number): ReplayMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, lifecycle: 'InService' as const }));
}
