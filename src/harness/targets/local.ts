/**
 * `LocalTarget`: the pipeline as the local twin. It deploys THROUGH the terraform runner: the
 * twin's stack (`terraform_data` resources whose provisioners run `terratower local up/down`) is
 * applied and destroyed like the AWS stack, so a local run takes the same apply → scenario →
 * destroy path and its state says what to tear down if the harness dies. Faults and group state
 * go through the twin's control API (`TwinClient`); metrics are scraped from the apps and read
 * from Kafka; the ledger reads Cassandra and the dead-letter topic.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinClient, type TwinStatus } from '../../twin/client.ts';
import { runDir } from '../../support/paths.ts';
import { processCpuSeconds } from '../../support/process.ts';
import { consumerGroupId } from '../../spec/derive.ts';
import type { GroupName, PipelineSpec } from '../../spec/index.ts';
import { PORTS } from '../../spec/ports.ts';
import { localTwinStackConfig } from './local-twin-stack.ts';
import { RateCollector, type MemberReading } from '../metrics/collector.ts';
import { KafkaLagReader, LAG_BUDGET_MS } from '../metrics/kafka-lag.ts';
import { selectMembers } from '../select.ts';
import {
  newRunId,
  readPipelineOutputs,
  TerraformRun,
  terraformRunDir,
  type TerraformOptions,
} from '../terraform/index.ts';
import {
  ALL_GROUPS,
  type CpuStress,
  type DeadLetter,
  type SinkRow,
  type TopicLocation,
  type GroupState,
  type MemberSelector,
  type MetricsSample,
  type PipelineEndpoints,
  type ScalingActivity,
  type Target,
  type UploadedDataset,
  type ZoneLatency,
  type ZoneOutageMode,
  type HealthCheckSettings,
} from '../../model/target.ts';
import { LoadControl, scrapeApps, type AppEndpoint } from './app-fleet.ts';
import { sleep } from '../../support/time.ts';

/** Options of `LocalTarget`. */
export interface LocalTargetOptions {
  /** The validated pipeline spec. */
  spec: PipelineSpec;
  /** Run id of the twin and of its terraform run. @default generated (`local-…`) */
  runId?: string;
  /** Address slot 0–7 (twins in different slots run side by side). @default 0 */
  slot?: number;
  /** Runner options: binary (`terraform` | `tofu`), keep, timeouts, echo, … */
  terraform?: Omit<TerraformOptions, 'config' | 'sourceDir' | 'runId'>;
  /** How long to wait after apply for every group to be in service. @default 5 min */
  readyTimeoutMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The pipeline as the local twin. */
export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  readonly runId: string;
  readonly zones: readonly string[];
  readonly slot: number;
  private run: TerraformRun | undefined;
  private client: TwinClient | undefined;
  private deployed: PipelineEndpoints | undefined;
  private statusCache: { at: number; value: Promise<TwinStatus> } | undefined;
  private readonly collector = new RateCollector();
  private readonly load = new LoadControl();
  private lagReader: KafkaLagReader | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: LocalTargetOptions) {
    this.runId = options.runId ?? newRunId('local');
    this.zones = options.spec.zones;
    this.slot = options.slot ?? 0;
    this.log = options.log ?? (() => undefined);
  }

  /** The terraform run (for its destroy command when kept). */
  get terraformRun(): TerraformRun | undefined {
    return this.run;
  }

  /** Apply the twin's stack (which boots the twin), read its outputs, wait until every group is in service. */
  async deploy(): Promise<PipelineEndpoints> {
    if (this.deployed) return this.deployed;
    // The spec lives in the run dir, beside the configuration that names it: a kept stack keeps it,
    // and destroying the run (or `terratower nuke`) removes it.
    const specFile = join(terraformRunDir(this.runId, this.options.terraform?.runsRoot), 'spec.json');
    const config = localTwinStackConfig({ spec: this.options.spec, specFile, runId: this.runId, slot: this.slot });
    this.log(`terraform apply: local twin ${this.runId} (slot ${this.slot})`);
    this.run = await TerraformRun.create({
      ...this.options.terraform,
      config,
      files: { 'spec.json': JSON.stringify(this.options.spec, null, 2) },
      runId: this.runId,
    });
    await this.run.apply();
    const outputs = readPipelineOutputs(await this.run.outputs());
    this.deployed = {
      s3Endpoint: outputs.s3Endpoint,
      bucket: outputs.bucket,
      kafkaBootstrap: outputs.kafkaBootstrap,
      cassandraContactPoints: outputs.cassandraContactPoints,
      groups: outputs.asgNames,
    };
    this.client = TwinClient.forRun(this.runId);
    await this.waitInService(this.options.readyTimeoutMs ?? 5 * 60_000);
    return this.deployed;
  }

  private async waitInService(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(ALL_GROUPS.map((g) => this.groupState(g)));
      const short = states.filter((s) => s.members.filter((m) => m.lifecycle === 'InService').length < s.desired);
      if (short.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `twin ${this.runId}: not in service after ${timeoutMs / 1000}s: ${short.map((s) => `${s.group} ${s.members.filter((m) => m.lifecycle === 'InService').length}/${s.desired}`).join(', ')}`,
        );
      }
      await sleep(1000);
    }
  }

  /** Destroy the twin's stack (its destroy provisioner runs `local down`), unless kept. Safe to call twice. */
  async teardown(): Promise<void> {
    await this.lagReader?.close();
    this.lagReader = undefined;
    await this.run?.finish();
  }

  /** Copy the twin's member logs (`<run dir>/logs/*.log`) into `dir`. */
  async keepLogs(dir: string): Promise<number> {
    const from = join(runDir(this.runId), 'logs');
    const files = (await readdir(from).catch(() => [] as string[])).filter((f) => f.endsWith('.log'));
    if (files.length === 0) return 0;
    await mkdir(dir, { recursive: true });
    for (const f of files) await copyFile(join(from, f), join(dir, f));
    return files.length;
  }

  endpoints(): PipelineEndpoints {
    if (!this.deployed) throw new Error('LocalTarget: not deployed');
    return this.deployed;
  }

  private twin(): TwinClient {
    if (!this.client) throw new Error('LocalTarget: not deployed');
    return this.client;
  }

  /** One status call serves every group of a sampler tick (cached 250 ms). */
  private status(): Promise<TwinStatus> {
    const now = Date.now();
    if (!this.statusCache || now - this.statusCache.at > 250) {
      const value = this.twin().status();
      value.catch(() => undefined);
      this.statusCache = { at: now, value };
    }
    return this.statusCache.value;
  }

  /** The health checks the twin runs on app members (ELB target-group semantics). */
  async healthChecks(): Promise<Partial<Record<GroupName, HealthCheckSettings>>> {
    return { ...(await this.status()).healthChecks };
  }

  async groupState(group: GroupName): Promise<GroupState> {
    const status = await this.status();
    const state = status.groups.find((g) => g.group === group);
    if (!state) throw new Error(`twin ${this.runId} has no group ${group}`);
    const members = state.members.map(({ id, zone, lifecycle, address, launchedAt }) => ({
      id,
      zone,
      lifecycle,
      address,
      launchedAt,
    }));
    return {
      group,
      min: state.min,
      max: state.max,
      desired: state.desired,
      members,
      inServiceByZone: { ...state.inServiceByZone },
    };
  }

  scalingActivities(since: Date): Promise<ScalingActivity[]> {
    return this.twin().activities(since);
  }

  async killMembers(group: GroupName, selector: MemberSelector): Promise<string[]> {
    this.statusCache = undefined;
    const victims = selectMembers(await this.groupState(group), selector).map((m) => m.id);
    if (victims.length === 0) return [];
    const killed = await this.twin().killMembers(group, { ids: victims });
    this.statusCache = undefined;
    return killed;
  }

  async setDesired(group: GroupName, desired: number): Promise<void> {
    await this.twin().setDesired(group, desired);
    this.statusCache = undefined;
  }

  /**
   * `disrupt` cuts the zone's network where the twin has namespace zones (root), else freezes
   * its processes (SIGSTOP); `power` kills them. Resolves to the method that ran.
   */
  async zoneOutage(zone: string, mode: ZoneOutageMode): Promise<string> {
    let how = 'SIGKILL of its members';
    if (mode === 'disrupt') how = (await this.twin().disruptZone(zone)).method;
    else await this.twin().killZone(zone);
    this.statusCache = undefined;
    return how;
  }

  /**
   * Delay and loss between the zone and the others, for `latency.seconds`: netdelay holds the
   * packets crossing the zone's link in netfilter queues. Needs namespace zones (root); on
   * loopback it fails in one line naming the fix.
   */
  async zoneLatency(zone: string, latency: ZoneLatency): Promise<string> {
    const { method } = await this.twin().zoneLatency(zone, latency);
    return method;
  }

  /** Thaw a frozen zone; in a killed zone stateful members come back with their data; end a latency fault. */
  async zoneRestore(zone: string): Promise<void> {
    await this.twin().thawZone(zone);
    this.statusCache = undefined;
  }

  async stressCpu(stress: CpuStress): Promise<void> {
    const state = await this.groupState(stress.group);
    const members = state.members.filter(
      (m) => m.lifecycle === 'InService' && (!stress.memberIds || stress.memberIds.includes(m.id)),
    );
    for (const m of members)
      for (let w = 0; w < (stress.workers ?? 1); w++) await this.twin().stressCpu(m.id, stress.seconds);
  }

  private async appEndpoints(status?: TwinStatus): Promise<AppEndpoint[]> {
    const s = status ?? (await this.status());
    const out: AppEndpoint[] = [];
    for (const group of ['producers', 'consumers'] as const) {
      for (const m of s.groups.find((g) => g.group === group)?.members ?? []) {
        if (m.lifecycle === 'InService')
          out.push({ group, memberId: m.id, baseUrl: `http://${m.address}:${PORTS.appHttp}` });
      }
    }
    return out;
  }

  async setLoad(recordsPerSecond: number): Promise<void> {
    this.statusCache = undefined;
    await this.load.set(
      recordsPerSecond,
      (await this.appEndpoints()).filter((a) => a.group === 'producers'),
    );
  }

  async getLoad(): Promise<number> {
    return this.load.current ?? 0;
  }

  /** Apps' /metrics (rates, app CPU), Kafka (group lag), /proc of the stateful members (their CPU). */
  async metrics(): Promise<MetricsSample> {
    const status = await this.status();
    const apps = await this.appEndpoints(status);
    const [readings, { lag, stale }] = await Promise.all([scrapeApps(apps), this.lagReaderFor().latest(LAG_BUDGET_MS)]);
    await this.load
      .reconcile(
        apps.filter((a) => a.group === 'producers'),
        readings,
      )
      .catch(() => undefined);
    const stateful: MemberReading[] = [];
    for (const group of ['kafka', 'cassandra'] as const) {
      for (const m of status.groups.find((g) => g.group === group)?.members ?? []) {
        if (m.pid === undefined || m.lifecycle !== 'InService') continue;
        const cpuSeconds = processCpuSeconds(m.pid);
        if (cpuSeconds !== undefined) stateful.push({ group, memberId: m.id, cpuSeconds });
      }
    }
    const sample = this.collector.sample([...readings, ...stateful], Date.now(), lag);
    return stale ? { ...sample, lagStale: true } : sample;
  }

  private lagReaderFor(): KafkaLagReader {
    this.lagReader ??= new KafkaLagReader(
      this.endpoints().kafkaBootstrap,
      consumerGroupId(this.options.spec),
      this.options.spec.kafka.topic,
    );
    return this.lagReader;
  }

  /** Upload a generated dataset (or, without a manifest, a directory of plain objects) to the twin's S3 (moto). */
  async uploadDataset(dir: string, subPrefix = ''): Promise<UploadedDataset> {
    const e = this.endpoints();
    // Loaded on first use, as the ledger readers below: the AWS SDK, cassandra-driver and kafkajs
    // would otherwise load with `import('terratower')`.
    const { hasManifest, uploadDataset: putDataset, uploadObjects } = await import('../dataset/upload.ts');
    const options = {
      dir,
      bucket: e.bucket,
      prefix: `${this.options.spec.dataset.prefix}${subPrefix}`,
      endpoint: e.s3Endpoint,
      region: this.options.spec.region,
    };
    if (!(await hasManifest(dir))) {
      const plain = await uploadObjects(options);
      return { bucket: e.bucket, keys: plain.objectKeys, bytes: plain.bytes };
    }
    const result = await putDataset(options);
    return {
      bucket: e.bucket,
      keys: result.objectKeys,
      bytes: result.manifest.objects.reduce((n, o) => n + o.bytes, 0),
    };
  }

  async *readSinkIds(): AsyncIterable<string> {
    const c = this.options.spec.cassandra;
    const { readSinkIds: readCassandraIds } = await import('../ledger/cassandra.ts');
    yield* readCassandraIds({
      contactPoints: this.endpoints().cassandraContactPoints,
      dataCenter: this.options.spec.region,
      keyspace: c.keyspace,
      table: c.table,
      consistency: c.consistency,
      ...(this.options.spec.dataset.schema ? { schema: this.options.spec.dataset.schema } : {}),
    });
  }

  async *readSinkRows(): AsyncIterable<SinkRow> {
    const c = this.options.spec.cassandra;
    // Loaded on use, like the other sink readers: the drivers stay out of `import('terratower')`.
    const { readSinkRows: readCassandraRows } = await import('../ledger/cassandra.ts');
    yield* readCassandraRows({
      contactPoints: this.endpoints().cassandraContactPoints,
      dataCenter: this.options.spec.region,
      keyspace: c.keyspace,
      table: c.table,
      consistency: c.consistency,
    });
  }

  async locateInTopic(ids: ReadonlySet<string>): Promise<Map<string, TopicLocation>> {
    const { locateInTopic: locateOnTopic } = await import('../ledger/data-topic.ts');
    return locateOnTopic(ids, {
      brokers: this.endpoints().kafkaBootstrap,
      topic: this.options.spec.kafka.topic,
      groupId: consumerGroupId(this.options.spec),
    });
  }

  async *deadLetters(): AsyncIterable<DeadLetter> {
    const { readDeadLetters } = await import('../ledger/dead-letters.ts');
    yield* readDeadLetters(this.endpoints().kafkaBootstrap, this.options.spec.kafka.deadLetterTopic);
  }
}
