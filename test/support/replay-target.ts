/**
 * A simulated target that replays a recorded history: at every read it asks a history function
 * what the groups and metrics were at that moment (seconds since the replay started, and the
 * load the scenario set), and derives the scaling activities an Auto Scaling group would have
 * logged from the difference with the previous frame (desired capacity changes; members gone
 * while unhealthy = replaced for failing health checks, gone otherwise = lost).
 *
 * It is our own `Target` interface in memory: for unit tests of the engine's verdicts (what a
 * scenario definition concludes from a given history), never a stand-in for Kafka, Cassandra or
 * AWS in integration tests. Run it under fake timers to replay minutes in milliseconds.
 */
import type {
  CpuStress,
  DeadLetter,
  GroupState,
  MeasuredFigure,
  MemberLifecycle,
  MemberSelector,
  MemberState,
  MetricsSample,
  PipelineEndpoints,
  ScalingActivity,
  SinkRow,
  Target,
  TopicLocation,
  UploadedDataset,
  ZoneOutageMode,
} from '../../src/model/target.ts';
import type { GroupName } from '../../src/spec/index.ts';

/** The zones of every replay. */
export const REPLAY_ZONES = ['z-a', 'z-b', 'z-c'] as const;

/** One member in a frame. */
export interface ReplayMember {
  id: string;
  lifecycle: MemberLifecycle;
  /** @default derived from the id's number */
  zone?: string;
}

/** One group in a frame. */
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
  /** Zone outages and restores the scenario asked for, oldest first. */
  zoneEvents: { t: number; zone: string; what: ZoneOutageMode | 'restore' }[];
}

/** A recorded history: the frame at a moment. Histories may keep state (calls come in time order). */
export type History = (clock: ReplayClock) => ReplayFrame;

function zoneOf(m: ReplayMember): string {
  if (m.zone) return m.zone;
  const n = Number(/(\d+)$/.exec(m.id)?.[1] ?? 1);
  return REPLAY_ZONES[(n - 1) % REPLAY_ZONES.length]!;
}

/** A target that replays `history`. */
export class ReplayTarget implements Target {
  readonly kind = 'local' as const;
  readonly runId = 'replay';
  readonly zones = REPLAY_ZONES;
  /** Every activity logged so far. */
  readonly activities: ScalingActivity[] = [];
  private readonly started = Date.now();
  private readonly loads: { t: number; rate: number }[] = [];
  private readonly zoneEvents: ReplayClock['zoneEvents'] = [];
  private previous: ReplayFrame | undefined;
  private lastT = -1;
  private frame: ReplayFrame | undefined;

  constructor(private readonly history: History) {}

  private clock(): ReplayClock {
    const t = (Date.now() - this.started) / 1000;
    const last = this.loads.at(-1);
    return {
      t,
      load: last?.rate ?? 0,
      loadSince: last?.t ?? 0,
      loads: [...this.loads],
      zoneEvents: [...this.zoneEvents],
    };
  }

  /** The frame now (computed once per instant), logging the activities since the previous one. */
  private now(): ReplayFrame {
    const clock = this.clock();
    if (this.frame && clock.t === this.lastT) return this.frame;
    const frame = this.history(clock);
    this.lastT = clock.t;
    this.frame = frame;
    if (this.previous) this.diff(this.previous, frame);
    this.previous = frame;
    return frame;
  }

  private diff(before: ReplayFrame, after: ReplayFrame): void {
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

  async deploy(): Promise<PipelineEndpoints> {
    return this.endpoints();
  }
  async teardown(): Promise<void> {}
  endpoints(): PipelineEndpoints {
    return {
      s3Endpoint: '',
      bucket: 'replay',
      kafkaBootstrap: [],
      cassandraContactPoints: [],
      groups: { producers: [], consumers: [], kafka: [], cassandra: [] },
    };
  }
  async groupState(group: GroupName): Promise<GroupState> {
    const g = this.now().groups[group];
    const members: MemberState[] = g.members.map((m) => ({
      id: m.id,
      zone: zoneOf(m),
      lifecycle: m.lifecycle,
      address: '127.0.0.1',
      launchedAt: new Date(this.started).toISOString(),
    }));
    const inServiceByZone: Record<string, number> = Object.fromEntries(REPLAY_ZONES.map((z) => [z, 0]));
    for (const m of members)
      if (m.lifecycle === 'InService') inServiceByZone[m.zone] = (inServiceByZone[m.zone] ?? 0) + 1;
    return { group, min: 1, max: 8, desired: g.desired, members, inServiceByZone };
  }
  async scalingActivities(since: Date): Promise<ScalingActivity[]> {
    this.now();
    return this.activities.filter((a) => Date.parse(a.time) >= since.getTime());
  }
  async killMembers(_group: GroupName, _selector: MemberSelector): Promise<string[]> {
    throw new Error('a replay cannot be changed: it only plays back what happened');
  }
  async setDesired(_group: GroupName, _desired: number): Promise<void> {
    throw new Error('a replay cannot be changed: it only plays back what happened');
  }
  async zoneOutage(zone: string, mode: ZoneOutageMode): Promise<void> {
    this.zoneEvents.push({ t: (Date.now() - this.started) / 1000, zone, what: mode });
  }
  async zoneRestore(zone: string): Promise<void> {
    this.zoneEvents.push({ t: (Date.now() - this.started) / 1000, zone, what: 'restore' });
  }
  async stressCpu(_stress: CpuStress): Promise<void> {}
  async setLoad(recordsPerSecond: number): Promise<void> {
    this.loads.push({ t: (Date.now() - this.started) / 1000, rate: recordsPerSecond });
  }
  async getLoad(): Promise<number> {
    return this.loads.at(-1)?.rate ?? 0;
  }
  async metrics(): Promise<MetricsSample> {
    const m = this.now().metrics;
    return {
      time: new Date().toISOString(),
      producedPerSecond: m.produced,
      consumedPerSecond: m.consumed,
      lag: m.lag,
      errorsPerSecond: m.errors ?? 0,
      deadLettered: 0,
      cpuByGroup: {},
      ...(m.unknown ? { unknown: [...m.unknown] } : {}),
    };
  }
  async uploadDataset(_dir: string): Promise<UploadedDataset> {
    return { bucket: 'replay', keys: [], bytes: 0 };
  }
  async *readSinkIds(): AsyncIterable<string> {}
  async *readSinkRows(): AsyncIterable<SinkRow> {}
  async locateInTopic(): Promise<Map<string, TopicLocation>> {
    return new Map();
  }
  async *deadLetters(): AsyncIterable<DeadLetter> {}
}

/** Members `prefix-1 … prefix-n`, all in service. */
export function inService(prefix: string, n: number): ReplayMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, lifecycle: 'InService' as const }));
}
