/**
 * The twin: every member process of one run, the group controllers, the faults. Lives inside the
 * daemon process (daemon/main.ts), which serves it over the control API (daemon/server.ts).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { GroupState, MemberState, PipelineEndpoints, ScalingActivity, ZoneLatency } from '../../model/target.ts';
import {
  memberZoneIndexes,
  murmur3Tokens,
  type AppGroupName,
  type GroupName,
  type PipelineSpec,
  type ScalingMetric,
} from '../../spec/index.ts';
import {
  addressPlanProblems,
  cassandraContactPoints,
  freeAppOrdinal,
  hostByte,
  memberAddress,
  kafkaBootstrap,
  ROLE_CAPACITY_PER_ZONE,
  s3Address,
  statefulAddress,
  type TwinNetwork,
} from '../../spec/addresses.ts';
import { PORTS } from '../../spec/ports.ts';
import { evaluationPeriodMs, Group, type GroupTimings } from '../controller/group.ts';
import { TickErrorReporter } from './tick-errors.ts';
import type { MemberSample } from '../controller/decisions.ts';
import { CpuMeter, processCpuSeconds } from '../controller/metrics.ts';
import { appHealthChecks, checkDue, httpCheck, type HealthCheckSettings } from '../controller/health.ts';
import { parsePrometheus, sumOf } from '../../support/prometheus-text.ts';
import { METRICS } from '../../spec/metric-names.ts';
import { appLaunchPlan, appMetricsText, requireAppEntry } from '../members/app.ts';
import { cassandraLaunchPlan, cassandraNodeReady } from '../members/cassandra.ts';
import {
  formatKafkaStorage,
  kafkaLaunchPlan,
  kafkaStorageFormatted,
  newKafkaClusterId,
  registeredBrokers,
  type KafkaMemberOptions,
} from '../members/kafka.ts';
import { motoLaunchPlan, s3Ready } from '../members/moto.ts';
import { RUN_ENV, type MemberIdentity } from '../members/types.ts';
import { listenersOn, signal as sendSignal } from '../../support/process.ts';
import { ZoneNetworks } from '../network.ts';
import { ensureNetdelay } from '../install/netdelay.ts';
import { startLatency, type RunningLatency } from './zone-latency.ts';
import { describeLatencyFault, latencyFaultProblem } from '../../spec/latency-fault.ts';
import { createBucket, createSchema, createTopics } from './bootstrap.ts';
import { Member } from './supervisor.ts';
import { spawn } from 'node:child_process';

/** A zone's condition: `partitioned` is cut off the network (namespaces), `frozen` SIGSTOPped, `down` without power. */
export type ZoneCondition = 'up' | 'partitioned' | 'frozen' | 'down';

/** What a zone disruption did, for the journal and the report. */
export interface ZoneDisruption {
  members: string[];
  /** How: its links cut (namespaces), or its processes frozen (loopback). */
  method: 'network partition' | 'SIGSTOP';
}

/** Phase of the twin's life. */
export type TwinPhase = 'booting' | 'ready' | 'failed' | 'stopping';

/** A member as the control API reports it. */
export type TwinMemberState = MemberState & { pid?: number; logFile: string; group: string };

/** One step of the boot, seconds after boot started, with the 1-minute load average then. */
export interface BootPhase {
  what: string;
  atSeconds: number;
  load1m: number;
}

/** One member's boot: seconds after boot started (first incarnation that became ready, else the latest). */
export interface BootMemberTimeline {
  id: string;
  spawnSeconds: number;
  /** Port → when it was first seen listening. */
  listeningSeconds: Record<string, number>;
  readySeconds?: number;
}

/** Where the boot's time went (the boot bench prints it). */
export interface BootTimeline {
  startedAt: string;
  phases: BootPhase[];
  members: BootMemberTimeline[];
}

/** What `GET /status` returns. */
export interface TwinStatus {
  runId: string;
  slot: number;
  /** How the zones are networked: one namespace per zone, or loopback addresses. */
  network: TwinNetwork;
  phase: TwinPhase;
  /** Why boot failed, with the log file to read. */
  error?: string;
  zones: Record<string, ZoneCondition>;
  /** Latency faults in force, by zone. */
  latency: Record<string, ZoneLatency & { startedAt: string; pid: number }>;
  groups: Array<GroupState & { members: TwinMemberState[] }>;
  s3: TwinMemberState | undefined;
  /** Latest group value of each scaling metric, per app group. */
  metrics: Partial<Record<GroupName, Partial<Record<ScalingMetric, number>>>>;
  activities: ScalingActivity[];
  /** The health checks app members get. */
  healthChecks: Record<AppGroupName, HealthCheckSettings>;
  /** Where the boot's time went. */
  boot: BootTimeline;
}

/** How to run one twin. */
export interface TwinOptions {
  runId: string;
  slot: number;
  spec: PipelineSpec;
  runDir: string;
  /** @default 'loopback' */
  network?: TwinNetwork;
}

const TICK_MS = 500;
/** Ports whose first listening moment the boot timeline records, per role (first = the one readiness needs). */
const TIMELINE_PORTS: Readonly<Record<MemberIdentity['role'], readonly number[]>> = {
  s3: [PORTS.s3],
  kafka: [PORTS.kafkaClient, PORTS.kafkaController],
  cassandra: [PORTS.cassandraCql, PORTS.cassandraInternode],
  producers: [PORTS.appHttp],
  consumers: [PORTS.appHttp],
};
const BOOT_TIMEOUT_MS = Number(process.env.TERRATOWER_BOOT_TIMEOUT_MS ?? 600_000);
const KAFKA_HEAP_MIB = Number(process.env.TERRATOWER_KAFKA_HEAP_MB ?? 512);
const CASSANDRA_HEAP_MIB = Number(process.env.TERRATOWER_CASSANDRA_HEAP_MB ?? 384);
/** Deaths of one member during boot that fail the boot. */
const MAX_BOOT_DEATHS = 3;

/** The local twin of one pipeline spec. */
export class Twin {
  phase: TwinPhase = 'booting';
  error?: string;
  readonly zones: ZoneCondition[];
  readonly groups: Record<GroupName, Group>;
  s3?: Member;
  readonly activities: ScalingActivity[] = [];
  /** The health checks app members get (ELB target-group semantics, see controller/health.ts). */
  readonly healthChecks: Record<AppGroupName, HealthCheckSettings>;
  private tickTimer?: NodeJS.Timeout;
  private ticking = false;
  private lastEvalMs = 0;
  /** What the daemon says of failing ticks: once per run of failures, and when they stop. */
  private readonly tickErrors = new TickErrorReporter();
  private readonly cpu = new CpuMeter();
  private readonly cpuByMember = new Map<string, number>();
  private readonly lagByMember = new Map<string, number>();
  private readonly appSeq: Record<AppGroupName, number> = { producers: 0, consumers: 0 };
  private readonly stressAll = new Set<number>();
  private bootFailure?: (error: Error) => void;
  private readonly bootDeaths = new Map<string, number>();
  private bootStartMs = Date.now();
  private readonly bootPhases: BootPhase[] = [];
  /** Every incarnation launched during boot, for the timeline. */
  private readonly bootMembers: Member[] = [];
  /** The zones' namespaces (namespaces network only). */
  private readonly net?: ZoneNetworks;
  /** Latency faults in force, by zone index. */
  private readonly latencies = new Map<number, RunningLatency>();

  constructor(private readonly o: TwinOptions) {
    const { spec } = o;
    this.zones = spec.zones.map(() => 'up');
    if (this.network === 'namespaces') this.net = new ZoneNetworks(o.runId, o.slot, spec.zones.length);
    const ts = Math.max(spec.local.timeScale, 1e-9);
    const scaled = (seconds: number): number => (seconds * 1000) / ts;
    const stateTimings: GroupTimings = {
      graceMs: 0,
      cooldownMs: 0,
      warmupMs: 0,
      periodMs: evaluationPeriodMs(spec.local.timeScale),
    };
    this.healthChecks = {
      producers: appHealthChecks(spec.producers.healthCheckGraceSeconds, spec.local.timeScale),
      consumers: appHealthChecks(spec.consumers.healthCheckGraceSeconds, spec.local.timeScale),
    };
    const appTimings = (g: AppGroupName): GroupTimings => ({
      // Real time, not scaled: a time scale speeds up policies, not how long a member takes to boot.
      graceMs: this.healthChecks[g].graceSeconds * 1000,
      cooldownMs: scaled(spec[g].scaling.cooldownSeconds),
      warmupMs: scaled(spec[g].scaling.warmupSeconds),
      periodMs: evaluationPeriodMs(spec.local.timeScale),
    });
    const hooks = {
      launchStateful: (identity: MemberIdentity) => this.launchStateful(identity),
      launchApp: (group: GroupName, zoneIndex: number) => this.launchApp(group as AppGroupName, zoneIndex),
      zoneAvailable: (z: number) => this.zones[z] === 'up',
      activity: (a: ScalingActivity) => this.recordActivity(a),
    };
    this.groups = {
      kafka: new Group(
        {
          name: 'kafka',
          zones: spec.zones,
          min: spec.kafka.brokers,
          max: spec.kafka.brokers,
          desired: spec.kafka.brokers,
          timings: stateTimings,
          identities: this.statefulIdentities('kafka'),
        },
        hooks,
      ),
      cassandra: new Group(
        {
          name: 'cassandra',
          zones: spec.zones,
          min: spec.cassandra.nodes,
          max: spec.cassandra.nodes,
          desired: spec.cassandra.nodes,
          timings: stateTimings,
          identities: this.statefulIdentities('cassandra'),
        },
        hooks,
      ),
      producers: new Group(
        {
          name: 'producers',
          zones: spec.zones,
          min: spec.producers.min,
          max: spec.producers.max,
          desired: spec.producers.desired,
          timings: appTimings('producers'),
          scaling: spec.producers.scaling,
        },
        hooks,
      ),
      consumers: new Group(
        {
          name: 'consumers',
          zones: spec.zones,
          min: spec.consumers.min,
          max: spec.consumers.max,
          desired: spec.consumers.desired,
          timings: appTimings('consumers'),
          scaling: spec.consumers.scaling,
        },
        hooks,
      ),
    };
    for (const g of Object.values(this.groups)) g.paused = true;
  }

  get spec(): PipelineSpec {
    return this.o.spec;
  }

  get network(): TwinNetwork {
    return this.o.network ?? 'loopback';
  }

  /** S3 endpoint URL. */
  get s3Endpoint(): string {
    return `http://${s3Address(this.o.slot, this.network)}:${PORTS.s3}`;
  }

  /** Where the twin's parts answer (same shape as the AWS stack's outputs). */
  endpoints(): PipelineEndpoints {
    const name = this.spec.name;
    return {
      s3Endpoint: this.s3Endpoint,
      bucket: this.spec.dataset.bucket,
      kafkaBootstrap: kafkaBootstrap(this.spec, this.o.slot, this.network),
      cassandraContactPoints: cassandraContactPoints(this.spec, this.o.slot, this.network),
      groups: {
        kafka: [`${name}-kafka`],
        cassandra: [`${name}-cassandra`],
        producers: [`${name}-producers`],
        consumers: [`${name}-consumers`],
      },
    };
  }

  private identity(
    id: string,
    group: MemberIdentity['group'],
    role: MemberIdentity['role'],
    zoneIndex: number,
    address: string,
  ): MemberIdentity {
    return {
      id,
      group,
      role,
      zone: this.spec.zones[zoneIndex]!,
      zoneIndex,
      address,
      dataDir: join(this.o.runDir, 'members', id),
      logFile: join(this.o.runDir, 'logs', `${id}.log`),
    };
  }

  private statefulIdentities(role: 'kafka' | 'cassandra'): MemberIdentity[] {
    const count = role === 'kafka' ? this.spec.kafka.brokers : this.spec.cassandra.nodes;
    return memberZoneIndexes(count, this.spec.zones.length).map((zoneIndex, k) =>
      this.identity(
        `${role}-${k + 1}`,
        role,
        role,
        zoneIndex,
        statefulAddress(role, k, this.spec.zones.length, this.o.slot, this.network),
      ),
    );
  }

  private kafkaOptions(identity: MemberIdentity): KafkaMemberOptions {
    const ids = this.statefulIdentities('kafka');
    return {
      runId: this.o.runId,
      nodeId: ids.findIndex((i) => i.id === identity.id) + 1,
      quorumVoters: ids.map((i, k) => `${k + 1}@${i.address}:${PORTS.kafkaController}`),
      brokers: ids.length,
      heapMiB: KAFKA_HEAP_MIB,
    };
  }

  private launchStateful(identity: MemberIdentity): Member {
    if (identity.role === 'kafka') {
      return this.startMember(identity, kafkaLaunchPlan(identity, this.kafkaOptions(identity)));
    }
    const ids = this.statefulIdentities('cassandra');
    const index = ids.findIndex((i) => i.id === identity.id);
    // One seed per zone (at most three): any zone can be lost and nodes still find the ring.
    const seeds = ids.filter((_, k) => k < Math.min(3, this.spec.zones.length)).map((i) => i.address);
    return this.startMember(
      identity,
      cassandraLaunchPlan(identity, {
        runId: this.o.runId,
        clusterName: `${this.spec.name}-${this.o.runId}`.slice(0, 48),
        dataCenter: this.spec.region,
        initialToken: murmur3Tokens(ids.length)[index]!,
        seeds,
        heapMiB: CASSANDRA_HEAP_MIB,
      }),
    );
  }

  private launchApp(group: AppGroupName, zoneIndex: number): Member | undefined {
    const g = this.groups[group];
    const used = g
      .allMembers()
      .filter((m) => m.identity.zoneIndex === zoneIndex)
      .map((m) => Number(m.identity.address.split('.')[3]) - hostByte(this.o.slot, group, 0));
    const ordinal = freeAppOrdinal(group, used);
    if (ordinal === undefined) return undefined;
    this.appSeq[group] += 1;
    const identity = this.identity(
      `${group}-${this.appSeq[group]}`,
      group,
      group,
      zoneIndex,
      memberAddress(zoneIndex, this.o.slot, group, ordinal, this.network),
    );
    return this.startMember(
      identity,
      appLaunchPlan(group, identity, {
        spec: this.spec,
        slot: this.o.slot,
        network: this.network,
        s3Endpoint: this.s3Endpoint,
      }),
    );
  }

  /** Every address a zone's members may take (namespaces get them all up front). */
  private zoneAddresses(zoneIndex: number): string[] {
    return (['kafka', 'cassandra', 'producers', 'consumers'] as const).flatMap((role) =>
      Array.from({ length: ROLE_CAPACITY_PER_ZONE[role] }, (_, k) =>
        memberAddress(zoneIndex, this.o.slot, role, k, this.network),
      ),
    );
  }

  private startMember(identity: MemberIdentity, launch: ReturnType<typeof motoLaunchPlan>): Member {
    // A zone member runs inside its zone's namespace; S3 is regional and stays on the bridge.
    const plan =
      this.net && identity.role !== 's3'
        ? { ...launch, ...this.net.wrap(identity.zoneIndex, launch.command, launch.args) }
        : launch;
    const member = new Member(identity, plan, this.o.runId, (m) => this.onMemberExit(m));
    if (this.phase === 'booting') this.bootMembers.push(member);
    return member;
  }

  /** The boot timeline so far: phases, and per member id its first ready incarnation (else its latest). */
  bootTimeline(): BootTimeline {
    const at = (ms: number): number => +((ms - this.bootStartMs) / 1000).toFixed(1);
    const byId = new Map<string, Member>();
    for (const m of this.bootMembers) {
      const seen = byId.get(m.id);
      if (!seen || seen.readyAtMs === undefined) byId.set(m.id, m);
    }
    return {
      startedAt: new Date(this.bootStartMs).toISOString(),
      phases: [...this.bootPhases],
      members: [...byId.values()].map((m) => ({
        id: m.id,
        spawnSeconds: at(m.launchedAtMs),
        listeningSeconds: Object.fromEntries([...m.listeningAtMs].map(([port, ms]) => [String(port), at(ms)])),
        ...(m.readyAtMs !== undefined ? { readySeconds: at(m.readyAtMs) } : {}),
      })),
    };
  }

  private onMemberExit(member: Member): void {
    this.cpu.forget(member.id);
    if (this.phase !== 'booting' || member.terminating || !this.bootFailure) return;
    // A member that dies during boot is relaunched by its group (a starved JVM can give up once);
    // the third death of the same member fails the boot.
    const deaths = (this.bootDeaths.get(member.id) ?? 0) + 1;
    this.bootDeaths.set(member.id, deaths);
    const how = member.exit?.signal ?? `code ${member.exit?.code}`;
    if (deaths >= MAX_BOOT_DEATHS || member.identity.role === 's3') {
      this.bootFailure(
        new Error(`${member.id} exited during boot (${how}, ${deaths} time(s)); read ${member.identity.logFile}`),
      );
    }
  }

  private recordActivity(a: ScalingActivity): void {
    this.activities.push(a);
    if (this.activities.length > 1000) this.activities.shift();
    try {
      appendFileSync(join(this.o.runDir, 'activities.jsonl'), `${JSON.stringify(a)}\n`);
    } catch {
      // the run dir may be going away
    }
  }

  /**
   * Journal a fault this twin injected or ended, beside the scaling activities (by default under
   * kafka, for zone-wide faults). Marked as a fault: it is no reaction of the platform.
   */
  private recordFault(cause: string, group: GroupName = 'kafka'): void {
    const desired = this.groups[group].desired;
    this.recordActivity({ time: new Date().toISOString(), group, cause, from: desired, to: desired, fault: true });
  }

  /** Start every part, wait until all are ready, create topics, bucket and schema, start the apps. */
  async boot(onProgress: (line: string) => void = () => undefined): Promise<void> {
    const problems = addressPlanProblems(this.spec, this.o.slot, this.network);
    if (problems.length > 0)
      throw new Error(`the spec does not fit the local twin's address plan:\n  - ${problems.join('\n  - ')}`);
    for (const g of ['producers', 'consumers'] as const)
      if (this.spec[g].desired > 0 || this.spec[g].min > 0) requireAppEntry(g);
    const failed = new Promise<never>((_, reject) => {
      this.bootFailure = reject;
    });
    failed.catch(() => undefined);
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    const start = Date.now();
    this.bootStartMs = start;
    const step = async <T>(what: string, p: Promise<T>): Promise<T> => {
      const timeout = new Promise<never>((_, reject) => {
        const t = setTimeout(
          () => reject(new Error(`boot timed out after ${Math.round(BOOT_TIMEOUT_MS / 1000)} s while ${what}`)),
          Math.max(0, deadline - Date.now()),
        );
        t.unref();
      });
      const result = await Promise.race([p, failed, timeout]);
      const atSeconds = +((Date.now() - start) / 1000).toFixed(1);
      const load1m = +loadavg()[0]!.toFixed(1);
      this.bootPhases.push({ what, atSeconds, load1m });
      onProgress(`${what}: done at ${atSeconds.toFixed(1)} s (load ${load1m})`);
      return result;
    };

    if (this.net) {
      const zoneStart = Date.now();
      this.net.create(
        this.spec.zones.map((_, z) => this.zoneAddresses(z)),
        [s3Address(this.o.slot, this.network)],
      );
      onProgress(`network namespaces for ${this.spec.zones.length} zones: built in ${Date.now() - zoneStart} ms`);
    }
    // S3 starts while Kafka's storage is formatted (short JVMs), then both clusters start.
    const s3Identity = this.identity('s3-1', 's3', 's3', 0, s3Address(this.o.slot, this.network));
    this.s3 = this.startMember(s3Identity, motoLaunchPlan(s3Identity));
    this.startTicking();
    const clusterIdFile = join(this.o.runDir, 'kafka-cluster-id');
    if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, newKafkaClusterId());
    const clusterId = readFileSync(clusterIdFile, 'utf8').trim();
    const kafkaIds = this.statefulIdentities('kafka');
    await step(
      'formatting Kafka storage',
      Promise.all(
        kafkaIds
          .filter((i) => !kafkaStorageFormatted(i))
          .map((i) => formatKafkaStorage(i, this.kafkaOptions(i), clusterId)),
      ),
    );
    this.groups.kafka.launchAllStateful();
    // Cassandra right after: both clusters boot side by side (measured faster than one after the other).
    this.groups.cassandra.launchAllStateful();
    // From here the stateful groups relaunch members that die (same id and data), also during boot.
    this.groups.kafka.paused = false;
    this.groups.cassandra.paused = false;

    const allIn = (members: Member[]): boolean => members.every((m) => m.lifecycle === 'InService');
    const appsIn = (g: AppGroupName): boolean =>
      this.groups[g].members.size >= this.groups[g].desired && allIn([...this.groups[g].members.values()]);
    // Three independent chains, each waiting on its own event: S3 → bucket, brokers → topics,
    // Cassandra → schema. Producers start once S3 and the topics are there, consumers once the
    // schema is too.
    const s3Chain = (async () => {
      await step(
        'waiting for S3',
        this.until(() => (this.s3 ? allIn([this.s3]) : false)),
      );
      await step('creating the dataset bucket', createBucket(this.spec, this.s3Endpoint));
    })();
    const kafkaChain = (async () => {
      await step(
        'waiting for Kafka brokers to register',
        this.until(() => allIn([...this.groups.kafka.members.values()])),
      );
      await step('creating topics', createTopics(this.spec, kafkaBootstrap(this.spec, this.o.slot, this.network)));
    })();
    const cassandraChain = (async () => {
      await step(
        'waiting for Cassandra nodes (CQL + peers)',
        this.until(() => allIn([...this.groups.cassandra.members.values()])),
      );
      await step(
        'creating keyspace and table',
        createSchema(this.spec, cassandraContactPoints(this.spec, this.o.slot, this.network)),
      );
    })();
    for (const chain of [s3Chain, kafkaChain, cassandraChain]) chain.catch(() => undefined); // observed below
    const s3AndKafka = Promise.all([s3Chain, kafkaChain]);
    s3AndKafka.catch(() => undefined);
    // Whichever chain fails first fails the boot at once.
    await Promise.race([s3AndKafka, cassandraChain.then(() => s3AndKafka)]);
    this.groups.producers.paused = false;
    await cassandraChain;
    this.groups.consumers.paused = false;
    await step(
      'waiting for app members (/healthz)',
      this.until(() => appsIn('producers') && appsIn('consumers')),
    );
    this.bootFailure = undefined;
    this.phase = 'ready';
  }

  private until(condition: () => boolean): Promise<void> {
    return new Promise((resolveWait) => {
      const check = (): void => {
        if (condition()) resolveWait();
        else setTimeout(check, 200).unref();
      };
      check();
    });
  }

  private startTicking(): void {
    this.tickTimer = setInterval(() => void this.tick(), TICK_MS);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.phase === 'stopping') return;
    this.ticking = true;
    try {
      this.probe();
      const now = Date.now();
      for (const g of Object.values(this.groups)) g.reconcile(now);
      if (this.phase === 'ready' && now - this.lastEvalMs >= this.groups.consumers.timings.periodMs) {
        this.lastEvalMs = now;
        this.sampleMetrics(now);
        for (const name of ['producers', 'consumers'] as const) {
          this.groups[name].evaluateScaling(now, (metric) => this.samples(name, metric));
        }
      }
      const recovered = this.tickErrors.succeeded();
      if (recovered) process.stderr.write(`${recovered}\n`);
    } catch (error) {
      this.tickFailed(error as Error);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * A tick that threw (a launch that could not start: e.g. an app bundle missing while
   * `npm run build` rewrites dist/). During boot it fails the boot with its reason; a ready twin
   * says so once and tries again at the next tick, as an Auto Scaling group retries a launch.
   * Before, it was an unhandled rejection that ended the daemon with a stack trace.
   */
  private tickFailed(error: Error): void {
    if (this.phase === 'booting' && this.bootFailure) {
      this.bootFailure(error);
      return;
    }
    const line = this.tickErrors.failed(error);
    if (line) process.stderr.write(`${line}\n`);
  }

  /**
   * Note when each Pending member's ports start listening (one read of /proc/net/tcp per tick).
   * Returns the members whose readiness port listens (or every member where /proc cannot be read).
   */
  private noteListening(now: number): (m: Member) => boolean {
    const pending = this.everyMember().filter((m) => m.lifecycle === 'Pending' && !m.dead);
    if (pending.length === 0 || !existsSync('/proc/net/tcp')) return () => true;
    // Each zone's namespace has its own socket table: read it through a process inside it.
    const readers = new Map<string, number | undefined>([['root', undefined]]);
    if (this.net)
      for (const m of pending)
        if (m.identity.role !== 's3' && m.pid !== undefined) readers.set(`zone ${m.identity.zoneIndex}`, m.pid);
    const addresses = pending.map((m) => m.identity.address);
    const open = new Set(
      [...readers.values()].flatMap((pid) => listenersOn(addresses, pid).map((s) => `${s.address}:${s.port}`)),
    );
    for (const m of pending) {
      for (const port of TIMELINE_PORTS[m.identity.role]) {
        if (!m.listeningAtMs.has(port) && open.has(`${m.identity.address}:${port}`)) m.listeningAtMs.set(port, now);
      }
    }
    return (m) => m.listeningAtMs.has(TIMELINE_PORTS[m.identity.role][0]!);
  }

  /** Fire readiness probes (stateful members, S3) and app health checks (each member at most one in flight). */
  private probe(): void {
    // A stateful member's readiness probe (a client connect) runs only once its port listens.
    const listening = this.noteListening(Date.now());
    const run = (m: Member, check: () => Promise<boolean>): void => {
      if (m.probing || m.dead || m.terminating) return;
      m.probing = true;
      void check()
        .then((ok) => {
          if (m.dead || m.terminating || !ok) return;
          m.lifecycle = 'InService';
          m.readyAtMs ??= Date.now();
        })
        .catch(() => undefined)
        .finally(() => {
          m.probing = false;
        });
    };
    if (this.s3 && this.s3.lifecycle === 'Pending' && listening(this.s3))
      run(this.s3, () => s3Ready(this.s3Endpoint, this.spec.region));
    for (const m of this.groups.kafka.members.values()) {
      if (m.lifecycle !== 'Pending' || m.frozen || !listening(m)) continue;
      const nodeId = this.kafkaOptions(m.identity).nodeId;
      run(m, async () =>
        (await registeredBrokers([`${m.identity.address}:${PORTS.kafkaClient}`]).catch((): number[] => [])).includes(
          nodeId,
        ),
      );
    }
    for (const m of this.groups.cassandra.members.values()) {
      if (m.lifecycle !== 'Pending' || m.frozen || !listening(m)) continue;
      run(m, () => cassandraNodeReady(m.identity.address, this.spec.region, this.spec.cassandra.nodes - 1));
    }
    for (const name of ['producers', 'consumers'] as const) {
      for (const m of this.groups[name].members.values()) this.healthCheck(m, this.healthChecks[name]);
    }
  }

  /**
   * One ELB-style health check of an app member when it is due: GET /healthz within the timeout.
   * A frozen member answers nothing: its check fails once the timeout has passed, without asking.
   */
  private healthCheck(m: Member, settings: HealthCheckSettings): void {
    const now = Date.now();
    if (m.probing || m.dead || m.terminating || !checkDue(m.health, now, settings)) return;
    const timeoutSeconds = settings.timeoutSeconds ?? 5;
    const apply = (outcome: Awaited<ReturnType<typeof httpCheck>>): void => {
      if (m.dead || m.terminating) return;
      m.health.record(outcome);
      if (outcome.ok && !m.health.unhealthy) {
        m.lifecycle = 'InService';
        m.readyAtMs ??= Date.now();
      } else if (m.health.unhealthy && m.lifecycle === 'InService') m.lifecycle = 'Unhealthy';
    };
    m.health.lastCheckAtMs = now;
    m.probing = true;
    if (m.frozen) {
      setTimeout(() => {
        m.probing = false;
        apply({ ok: false, ms: timeoutSeconds * 1000, why: `timed out after ${timeoutSeconds.toFixed(1)} s (frozen)` });
      }, timeoutSeconds * 1000).unref();
      return;
    }
    void httpCheck(`http://${m.identity.address}:${PORTS.appHttp}/healthz`, timeoutSeconds)
      .then(apply)
      .finally(() => {
        m.probing = false;
      });
  }

  /** Once per evaluation period: CPU from /proc, consumer lag from the consumers' /metrics. */
  private sampleMetrics(now: number): void {
    for (const name of ['producers', 'consumers'] as const) {
      for (const m of this.groups[name].members.values()) {
        if (m.pid === undefined) continue;
        let seconds = processCpuSeconds(m.pid);
        if (seconds === undefined) continue;
        for (const pid of m.stressPids) seconds += processCpuSeconds(pid) ?? 0;
        const pct = this.cpu.sample(m.id, seconds, now);
        if (pct !== undefined) this.cpuByMember.set(m.id, pct);
      }
    }
    for (const m of this.groups.consumers.members.values()) {
      if (m.frozen || m.lifecycle !== 'InService') continue;
      void appMetricsText(m.identity.address).then((text) => {
        if (text === undefined) return;
        const value = sumOf(parsePrometheus(text), METRICS.consumerLag);
        if (value !== undefined) this.lagByMember.set(m.id, value);
      });
    }
  }

  private samples(group: AppGroupName, metric: ScalingMetric): MemberSample[] {
    return [...this.groups[group].members.values()].map((m) => {
      const value = metric === 'cpu' ? this.cpuByMember.get(m.id) : this.lagByMember.get(m.id);
      return {
        id: m.id,
        launchedAtMs: m.launchedAtMs,
        inService: m.lifecycle === 'InService' && !m.frozen,
        ...(value !== undefined ? { value } : {}),
      };
    });
  }

  private zoneIndex(zone: string): number {
    const i = this.spec.zones.indexOf(zone);
    if (i === -1) throw new Error(`unknown zone "${zone}": the spec's zones are ${this.spec.zones.join(', ')}`);
    return i;
  }

  /** Every member process of a zone (S3 is regional, so never part of a zone fault). */
  private zoneMembers(zoneIndex: number): Member[] {
    return Object.values(this.groups)
      .flatMap((g) => g.allMembers())
      .filter((m) => m.identity.zoneIndex === zoneIndex && !m.dead);
  }

  /** Set desired capacity of an app group. */
  setDesired(group: GroupName, desired: number): void {
    this.groups[group].setDesired(desired, `desired capacity set to ${desired} by request`);
  }

  /** Kill (SIGKILL) or stop (SIGTERM) members of a group: the controller then replaces them. */
  killMembers(group: GroupName, options: { count?: number; ids?: string[]; signal?: 'SIGKILL' | 'SIGTERM' }): string[] {
    const g = this.groups[group];
    const live = [...g.members.values()].filter((m) => !m.dead && !m.terminating);
    let targets: Member[];
    if (options.ids && options.ids.length > 0) {
      targets = options.ids.map((id) => {
        const m = g.members.get(id);
        if (!m || m.dead)
          throw new Error(
            `${group} has no running member "${id}"; running: ${live.map((x) => x.id).join(', ') || 'none'}`,
          );
        return m;
      });
    } else {
      const count = options.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > live.length)
        throw new Error(`count ${count}: ${group} has ${live.length} running member(s)`);
      targets = [...live].sort(() => Math.random() - 0.5).slice(0, count);
    }
    const sig = options.signal ?? 'SIGKILL';
    for (const m of targets) {
      m.signal(sig);
      this.recordFault(`fault: ${sig} sent to ${m.id} (${m.identity.zone})`, group);
    }
    return targets.map((m) => m.id);
  }

  /**
   * Disrupt a zone: on namespaces, cut its links (a network partition: open connections across it
   * see packets vanish); on loopback, freeze its processes (SIGSTOP). Either way the groups launch
   * no members into it until it is restored.
   */
  disruptZone(zone: string): ZoneDisruption {
    if (!this.net) return { members: this.freezeZone(zone), method: 'SIGSTOP' };
    const z = this.zoneIndex(zone);
    this.net.cut(z);
    this.zones[z] = 'partitioned';
    const members = this.zoneMembers(z).map((m) => m.id);
    this.recordFault(`fault: zone ${zone} cut off the network (${members.join(', ') || 'no members'})`);
    return { members, method: 'network partition' };
  }

  /**
   * Delay and loss between a zone and the others (namespaces only): a netdelay process holds the
   * packets crossing the zone's link in netfilter queues (this kernel has no netem). It ends on its
   * own after `latency.seconds`; `thawZone` ends it early. One latency fault per zone at a time.
   */
  async zoneLatency(zone: string, latency: ZoneLatency): Promise<{ method: string; pid: number }> {
    const z = this.zoneIndex(zone);
    const problem = latencyFaultProblem(latency);
    if (problem) throw new Error(problem);
    if (!this.net)
      throw new Error(
        'the latency fault needs namespace zones, and this twin runs on loopback addresses: run it as root with iproute2 (TERRATOWER_TWIN_NETWORK=namespaces)',
      );
    if (this.spec.zones.length < 2) throw new Error('latency between zones needs a spec with at least two zones');
    if (this.latencies.has(z))
      throw new Error(`zone ${zone} has a latency fault already: restore the zone first, or wait for it to end`);
    const binary = await ensureNetdelay();
    const running = await startLatency(binary, zone, latency, this.net.latencySites(z), this.o.runId);
    this.latencies.set(z, running);
    const what = describeLatencyFault(latency);
    this.recordFault(`fault: zone ${zone} ${what} to and from the other zones (netfilter queue delay)`);
    void running.ended.then((report) => {
      if (this.latencies.get(z) === running) this.latencies.delete(z);
      const counts = report
        ? `: ${report.queued} packets held, ${report.dropped} dropped${report.readErrors?.length ? `; ${report.readErrors.join('; ')}` : ''}`
        : '';
      this.recordFault(`fault ended: zone ${zone} latency (${what})${counts}`);
    });
    return { method: 'netfilter queue delay', pid: running.pid };
  }

  /** SIGSTOP every process of a zone: peers see timeouts, as in a lost zone. */
  freezeZone(zone: string): string[] {
    const z = this.zoneIndex(zone);
    this.zones[z] = 'frozen';
    const members = this.zoneMembers(z);
    for (const m of members) {
      m.signal('SIGSTOP');
      for (const pid of m.stressPids) sendSignal(pid, 'SIGSTOP');
      m.frozen = true;
    }
    this.recordFault(`fault: zone ${zone} frozen (${members.map((m) => m.id).join(', ') || 'no members'})`);
    return members.map((m) => m.id);
  }

  /** End a zone outage: SIGCONT frozen processes, and let stateful members of a killed zone come back. */
  thawZone(zone: string): string[] {
    const z = this.zoneIndex(zone);
    const was = this.zones[z];
    void this.latencies.get(z)?.stop();
    // Restoring a zone that is up (a rollback after the method restored it) changes nothing.
    if (was === 'up') return [];
    if (was === 'partitioned') this.net?.heal(z);
    this.zones[z] = 'up';
    const members = this.zoneMembers(z).filter((m) => m.frozen);
    for (const m of members) {
      m.frozen = false;
      m.signal('SIGCONT');
      for (const pid of m.stressPids) sendSignal(pid, 'SIGCONT');
    }
    this.recordFault(
      `fault ended: zone ${zone} ${was === 'down' ? 'restored' : was === 'partitioned' ? 'reconnected' : 'thawed'}`,
    );
    return members.map((m) => m.id);
  }

  /** Power loss: SIGKILL every process of a zone; stateful members return when the zone is thawed. */
  killZone(zone: string): string[] {
    const z = this.zoneIndex(zone);
    this.zones[z] = 'down';
    const members = this.zoneMembers(z);
    for (const m of members) m.signal('SIGKILL');
    this.recordFault(`fault: zone ${zone} lost power (${members.map((m) => m.id).join(', ') || 'no members'})`);
    return members.map((m) => m.id);
  }

  /** Run a busy loop for `seconds`, counted as the member's CPU (and frozen with its zone). */
  stressCpu(memberId: string, seconds: number): number {
    const member = Object.values(this.groups)
      .flatMap((g) => [...g.members.values()])
      .find((m) => m.id === memberId);
    if (!member || member.dead) throw new Error(`no running member "${memberId}"`);
    if (!(seconds > 0 && seconds <= 3600)) throw new Error(`seconds ${seconds}: use 0 < seconds ≤ 3600`);
    const child = spawn(
      process.execPath,
      ['-e', `const end = Date.now() + ${Math.round(seconds * 1000)}; while (Date.now() < end) {}`],
      {
        stdio: 'ignore',
        env: { ...process.env, [RUN_ENV]: this.o.runId, TERRATOWER_MEMBER: `${memberId}-stress` },
      },
    );
    const pid = child.pid!;
    member.stressPids.add(pid);
    this.stressAll.add(pid);
    if (member.frozen) sendSignal(pid, 'SIGSTOP');
    child.once('exit', () => {
      member.stressPids.delete(pid);
      this.stressAll.delete(pid);
    });
    return pid;
  }

  /** Status for the control API. */
  status(): TwinStatus {
    return {
      runId: this.o.runId,
      slot: this.o.slot,
      network: this.network,
      phase: this.phase,
      ...(this.error ? { error: this.error } : {}),
      zones: Object.fromEntries(this.spec.zones.map((z, i) => [z, this.zones[i]!])),
      latency: Object.fromEntries(
        [...this.latencies].map(([i, l]) => [
          this.spec.zones[i]!,
          { ...l.latency, startedAt: l.startedAt, pid: l.pid },
        ]),
      ),
      groups: (['kafka', 'cassandra', 'producers', 'consumers'] as const).map((g) => this.groups[g].state()),
      s3: this.s3?.state(),
      metrics: { producers: this.groups.producers.latestMetrics(), consumers: this.groups.consumers.latestMetrics() },
      healthChecks: { ...this.healthChecks },
      activities: this.activities.slice(-200),
      boot: this.bootTimeline(),
    };
  }

  /** Every member process, live or terminating, and stress processes. */
  private everyMember(): Member[] {
    return [...Object.values(this.groups).flatMap((g) => g.allMembers()), ...(this.s3 ? [this.s3] : [])];
  }

  /**
   * Stop everything: the apps first (SIGTERM, a short grace: they close their clients while the
   * servers still answer), then SIGKILL the servers. A twin's data goes with its run dir, so a
   * broker's controlled shutdown or a node's drain would only spend seconds on a flush nobody reads.
   */
  async shutdown(graceMs = 2000): Promise<void> {
    this.phase = 'stopping';
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const g of Object.values(this.groups)) g.paused = true;
    for (const pid of this.stressAll) sendSignal(pid, 'SIGKILL');
    await Promise.all([...this.latencies.values()].map((l) => l.stop()));
    for (const m of this.everyMember()) {
      if (m.frozen) {
        m.frozen = false;
        m.signal('SIGCONT');
      }
    }
    const apps = this.everyMember().filter((m) => m.identity.role === 'producers' || m.identity.role === 'consumers');
    await Promise.all(apps.map((m) => m.stop(graceMs)));
    await Promise.all(
      this.everyMember().map((m) => {
        m.terminating = true;
        m.lifecycle = 'Terminating';
        m.signal('SIGKILL');
        return m.waitForExit(5000);
      }),
    );
    this.net?.destroy();
  }
}
