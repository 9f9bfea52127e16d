/**
 * `AwsTarget`: the pipeline on AWS. Deploys the synthesized `PipelineStack` with the terraform
 * runner, reads Auto Scaling state and activities, injects faults as AWS FIS does (terminate
 * instances in an ASG; disrupt a zone's connectivity with a deny-all network ACL; CPU stress and
 * latency between zones through SSM Run Command), reads the apps' metrics and CloudWatch, uploads
 * the dataset to S3, reads Cassandra and the dead-letter topic for the ledger, and after destroy
 * sweeps anything still tagged with the run id.
 *
 * Members live in private subnets: the harness must be able to reach them (run it inside the
 * VPC, or give `reach` a mapping through a tunnel such as SSM port forwarding).
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type Activity,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hasManifest, uploadDataset as putDataset, uploadObjects } from '../dataset/upload.ts';
import { consumerGroupId } from '../../spec/derive.ts';
import type { GroupName, PipelineSpec } from '../../spec/index.ts';
import { PORTS } from '../../spec/ports.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { RateCollector } from '../metrics/collector.ts';
import { KafkaLagReader, LAG_BUDGET_MS } from '../metrics/kafka-lag.ts';
import { selectMembers } from '../select.ts';
import { readDeadLetters } from '../ledger/dead-letters.ts';
import { readSinkIds as readCassandraIds, readSinkRows as readCassandraRows } from '../ledger/cassandra.ts';
import { locateInTopic as locateOnTopic } from '../ledger/data-topic.ts';
import {
  outputMap,
  outputString,
  readPipelineOutputs,
  TerraformRun,
  type TerraformJsonConfig,
  type TerraformOptions,
} from '../terraform/index.ts';
import {
  ALL_GROUPS,
  type CpuStress,
  type DeadLetter,
  type SinkRow,
  type TopicLocation,
  type GroupState,
  type MemberLifecycle,
  type MemberSelector,
  type MemberState,
  type MetricsSample,
  type PipelineEndpoints,
  type ScalingActivity,
  type Target,
  type UploadedDataset,
  type ZoneLatency,
  type ZoneOutageMode,
} from '../../model/target.ts';
import { awsClients, type AwsClientOptions, type AwsClients } from './aws-clients.ts';
import { describeLatencyFault } from '../../spec/latency-fault.ts';
import { cpuStressInstances, runCpuStress, type CpuStressRun } from './aws-cpu-stress.ts';
import { sweepRun, type SweepReport } from './aws-sweep.ts';
import { disruptZone, restoreZone, type ZoneDisruption } from './aws-zone.ts';
import {
  checkLatencyZone,
  describeZoneCidrs,
  endZoneLatency,
  runZoneLatency,
  validateZoneLatency,
  zoneLatencyInstances,
  zoneLatencyMethod,
  type ZoneLatencyRun,
} from './aws-zone-latency.ts';
import { LoadControl, scrapeApps, type AppEndpoint } from './app-fleet.ts';
import { sleep } from '../../support/time.ts';

/** A deployed pipeline's facts beyond the endpoints: what zone faults need. */
export interface AwsDeployment {
  endpoints: PipelineEndpoints;
  vpcId: string;
  /** Zone → subnet ids (private and public) in it. */
  subnetIdsByZone: Record<string, string[]>;
  /** Name prefix of the stack's resources. */
  stackName: string;
}

/** Options of `AwsTarget`. */
export interface AwsTargetOptions {
  /** The pipeline spec (validated and synthesized by the caller). */
  spec: PipelineSpec;
  /** Run id: tags every resource; the sweep after destroy finds leftovers by it. */
  runId: string;
  /** The synthesized `PipelineStack` for that run id: its Terraform JSON or its directory. */
  stack?: { config: TerraformJsonConfig } | { sourceDir: string };
  /** Runner options (binary, timeouts, keep, …). */
  terraform?: Omit<TerraformOptions, 'config' | 'sourceDir' | 'runId'>;
  /**
   * SDK clients: region (default the spec's), endpoint (moto), credentials. An endpoint also
   * points the synthesized stack's provider at it (every service, test credentials).
   */
  aws?: Partial<AwsClientOptions>;
  /** Attach to a pipeline that is already deployed instead of applying (tests, `--keep` reruns). */
  deployed?: AwsDeployment;
  /**
   * How the harness reaches `address:port` inside the VPC; returns `host:port`.
   * @default the address itself (the harness runs in the VPC)
   */
  reach?: (address: string, port: number) => string;
  /** Progress lines. */
  log?: (line: string) => void;
}

const CAUSE_CHANGE = /from (\d+) to (\d+)/;

/** Map an Auto Scaling lifecycle state (and health) to ours. */
export function lifecycleOf(state: string | undefined, health: string | undefined): MemberLifecycle {
  if (health === 'Unhealthy') return 'Unhealthy';
  if (!state) return 'Pending';
  if (state === 'InService') return 'InService';
  if (state.startsWith('Terminat')) return 'Terminating';
  return 'Pending';
}

/** One Auto Scaling activity in our terms: desired before/after parsed from the cause ("… from 2 to 3 …"), else both the group's current desired. */
export function activityFromAws(group: GroupName, a: Activity, currentDesired: number): ScalingActivity {
  const change = CAUSE_CHANGE.exec(a.Cause ?? '');
  const out: ScalingActivity = {
    time: (a.StartTime ?? new Date(0)).toISOString(),
    group,
    cause: [a.Description, a.Cause].filter(Boolean).join(': '),
    from: change ? Number(change[1]) : currentDesired,
    to: change ? Number(change[2]) : currentDesired,
  };
  // "Terminating EC2 instance: i-…" with "…taken out of service in response to an ELB system health
  // check failure" (churn) or "…an EC2 health check that indicated it had been terminated or stopped" (lost).
  const instance = /Terminating EC2 instance: (i-[0-9a-f]+)/.exec(a.Description ?? '')?.[1];
  const cause = a.Cause ?? '';
  if (instance && /out of service in response to/.test(cause))
    out.replaced = { member: instance, reason: /ELB system health check failure/.test(cause) ? 'unhealthy' : 'lost' };
  return out;
}

/** The pipeline on AWS. */
export class AwsTarget implements Target {
  readonly kind = 'aws' as const;
  readonly runId: string;
  readonly zones: readonly string[];
  private readonly clients: AwsClients;
  private deployment: AwsDeployment | undefined;
  private run: TerraformRun | undefined;
  private readonly disrupted = new Map<string, ZoneDisruption>();
  private readonly collector = new RateCollector();
  private readonly load = new LoadControl();
  private lagReader: KafkaLagReader | undefined;
  private cpuCache: { at: number; value: Partial<Record<GroupName, number>> } | undefined;
  private readonly reach: (address: string, port: number) => string;
  private readonly log: (line: string) => void;
  private readonly stresses: CpuStressRun[] = [];
  private readonly latencies: ZoneLatencyRun[] = [];

  constructor(private readonly options: AwsTargetOptions) {
    this.runId = options.runId;
    this.zones = options.spec.zones;
    this.clients = awsClients({ region: options.spec.region, ...options.aws });
    this.deployment = options.deployed;
    this.reach = options.reach ?? ((address, port) => `${address}:${port}`);
    this.log = options.log ?? (() => undefined);
  }

  /** Apply the stack (unless attached) and wait until every group has its desired capacity in service. */
  async deploy(): Promise<PipelineEndpoints> {
    if (!this.deployment) {
      const stack = this.options.stack ?? (await this.synthesize());
      this.run = await TerraformRun.create({ ...this.options.terraform, ...stack, runId: this.runId });
      await this.run.apply();
      const outputs = await this.run.outputs();
      const p = readPipelineOutputs(outputs);
      const privateSubnets = outputMap(outputs, 'private_subnet_ids');
      const publicSubnets = outputMap(outputs, 'public_subnet_ids');
      const subnetIdsByZone: Record<string, string[]> = {};
      for (const zone of this.zones)
        subnetIdsByZone[zone] = [privateSubnets[zone], publicSubnets[zone]].filter((s): s is string => Boolean(s));
      this.deployment = {
        endpoints: {
          s3Endpoint: p.s3Endpoint,
          bucket: p.bucket,
          kafkaBootstrap: p.kafkaBootstrap,
          cassandraContactPoints: p.cassandraContactPoints,
          groups: p.asgNames,
        },
        vpcId: outputString(outputs, 'vpc_id'),
        subnetIdsByZone,
        stackName: outputString(outputs, 'stack_name'),
      };
    }
    await this.waitInService(20 * 60_000);
    return this.deployment.endpoints;
  }

  /** Synthesize the spec's `PipelineStack` for this run id into a temp dir (removed at teardown). */
  private async synthesize(): Promise<{ sourceDir: string }> {
    const { synthesize } = await import('../../aws/stacks/synthesize.ts');
    this.synthDir = await mkdtemp(join(tmpdir(), `tt-aws-${this.runId}-`));
    const aws = this.options.aws;
    const { file } = synthesize({
      spec: this.options.spec,
      outdir: this.synthDir,
      runId: this.runId,
      // The same endpoint as the SDK clients: an emulated AWS (moto) gets the stack too.
      ...(aws?.endpoint
        ? {
            awsEndpoint: {
              url: aws.endpoint,
              ...(aws.credentials
                ? { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: aws.credentials.secretAccessKey }
                : {}),
            },
          }
        : {}),
    });
    return { sourceDir: dirname(file) };
  }

  private synthDir: string | undefined;

  private async waitInService(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(ALL_GROUPS.map((g) => this.groupState(g)));
      const short = states.filter((s) => s.members.filter((m) => m.lifecycle === 'InService').length < s.desired);
      if (short.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `groups not in service after ${timeoutMs / 60_000} min: ${short.map((s) => s.group).join(', ')}`,
        );
      this.log(`waiting for ${short.map((s) => s.group).join(', ')} to be in service`);
      await sleep(10_000);
    }
  }

  /** What the sweep after the last teardown found and deleted. */
  lastSweep: SweepReport | undefined;

  /**
   * Restore disrupted zones and end zone latencies still running, destroy the stack (unless
   * attached), sweep the run's leftovers (see `lastSweep`).
   */
  async teardown(): Promise<void> {
    for (const d of [...this.disrupted.values()]) {
      await restoreZone(this.clients.ec2, d).catch((e: Error) => this.log(`restoring ${d.zone}: ${e.message}`));
      this.disrupted.delete(d.zone);
    }
    for (const run of this.latencies.filter((r) => !r.restoredAt))
      await endZoneLatency(this.clients.ssm, run).catch((e: Error) => this.log(e.message));
    await this.lagReader?.close();
    this.lagReader = undefined;
    try {
      await this.run?.finish();
    } finally {
      this.lastSweep = await sweepRun(this.clients, this.runId);
      if (this.lastSweep.errors.length > 0) this.log(`sweep errors: ${this.lastSweep.errors.join('; ')}`);
      if (this.synthDir) await rm(this.synthDir, { recursive: true, force: true });
    }
  }

  /** Close the SDK clients' connections (after teardown, or when done with an attached target). */
  close(): void {
    this.clients.destroy();
  }

  endpoints(): PipelineEndpoints {
    if (!this.deployment) throw new Error('AwsTarget: not deployed');
    return this.deployment.endpoints;
  }

  private async describeGroups(names: string[]): Promise<AutoScalingGroup[]> {
    if (names.length === 0) return [];
    const res = await this.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }),
    );
    return res.AutoScalingGroups ?? [];
  }

  private async describeInstances(ids: string[]): Promise<Map<string, Instance>> {
    const out = new Map<string, Instance>();
    if (ids.length === 0) return out;
    const res = await this.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    for (const i of (res.Reservations ?? []).flatMap((r) => r.Instances ?? []))
      if (i.InstanceId) out.set(i.InstanceId, i);
    return out;
  }

  /** Capacity and members of a group: all its ASGs together (stateful groups have one ASG per member). */
  async groupState(group: GroupName): Promise<GroupState & { instanceIds: Record<string, string> }> {
    const asgs = await this.describeGroups(this.endpoints().groups[group] ?? []);
    const instanceIds: Record<string, string> = {};
    const members: MemberState[] = [];
    const details = await this.describeInstances(
      asgs.flatMap((a) => (a.Instances ?? []).map((i) => i.InstanceId!)).filter(Boolean),
    );
    let min = 0;
    let max = 0;
    let desired = 0;
    for (const asg of asgs) {
      min += asg.MinSize ?? 0;
      max += asg.MaxSize ?? 0;
      desired += asg.DesiredCapacity ?? 0;
      const memberTag = asg.Tags?.find((t) => t.Key === TAG_KEYS.member)?.Value;
      for (const i of asg.Instances ?? []) {
        const id = memberTag ?? i.InstanceId!;
        const d = details.get(i.InstanceId!);
        const zone = i.AvailabilityZone ?? d?.Placement?.AvailabilityZone ?? '';
        let lifecycle = lifecycleOf(i.LifecycleState, i.HealthStatus);
        if (lifecycle === 'InService' && this.disrupted.has(zone)) lifecycle = 'Frozen';
        instanceIds[id] = i.InstanceId!;
        members.push({
          id,
          zone,
          lifecycle,
          address: d?.PrivateIpAddress ?? '',
          launchedAt: d?.LaunchTime?.toISOString() ?? '',
        });
      }
    }
    const inServiceByZone: Record<string, number> = Object.fromEntries(this.zones.map((z) => [z, 0]));
    for (const m of members)
      if (m.lifecycle === 'InService') inServiceByZone[m.zone] = (inServiceByZone[m.zone] ?? 0) + 1;
    members.sort((a, b) => a.id.localeCompare(b.id));
    return { group, min, max, desired, members, inServiceByZone, instanceIds };
  }

  /** Scaling activities of every group's ASGs since `since` (desired changes parsed from the cause). */
  async scalingActivities(since: Date): Promise<ScalingActivity[]> {
    const out: ScalingActivity[] = [];
    for (const group of ALL_GROUPS) {
      const names = this.endpoints().groups[group] ?? [];
      const desired = new Map(
        (await this.describeGroups(names)).map((g) => [g.AutoScalingGroupName, g.DesiredCapacity ?? 0]),
      );
      for (const name of names) {
        const res = await this.clients.autoScaling.send(
          new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 100 }),
        );
        for (const a of res.Activities ?? []) {
          if (!a.StartTime || a.StartTime.getTime() < since.getTime()) continue;
          out.push(activityFromAws(group, a, desired.get(name) ?? 0));
        }
      }
    }
    return out.sort((a, b) => a.time.localeCompare(b.time));
  }

  /** TerminateInstanceInAutoScalingGroup without decrementing desired: the group replaces them. */
  async killMembers(group: GroupName, selector: MemberSelector): Promise<string[]> {
    const state = await this.groupState(group);
    const victims = selectMembers(state, selector);
    for (const m of victims) {
      await this.clients.autoScaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: state.instanceIds[m.id],
          ShouldDecrementDesiredCapacity: false,
        }),
      );
    }
    return victims.map((m) => m.id);
  }

  /** SetDesiredCapacity of an app group's ASG. Stateful groups are one ASG per member: their size is the spec's. */
  async setDesired(group: GroupName, desired: number): Promise<void> {
    const names = this.endpoints().groups[group] ?? [];
    if (group === 'kafka' || group === 'cassandra' || names.length !== 1) {
      throw new Error(`${group}: desired capacity is fixed by the spec (one Auto Scaling group per stateful member)`);
    }
    await this.clients.autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: names[0], DesiredCapacity: desired, HonorCooldown: false }),
    );
  }

  /** `disrupt`: deny-all network ACL on the zone's subnets. `power`: terminate every member in the zone. */
  async zoneOutage(zone: string, mode: ZoneOutageMode): Promise<string> {
    const d = this.deployment;
    if (!d) throw new Error('AwsTarget: not deployed');
    if (mode === 'power') {
      for (const group of ALL_GROUPS) await this.killMembers(group, { zone });
      return 'instances terminated';
    }
    if (this.disrupted.has(zone)) return 'deny-all network ACL (already in place)';
    const subnetIds = d.subnetIdsByZone[zone] ?? [];
    if (subnetIds.length === 0) throw new Error(`no subnets known in zone ${zone}`);
    this.disrupted.set(
      zone,
      await disruptZone(this.clients.ec2, {
        vpcId: d.vpcId,
        zone,
        subnetIds,
        runId: this.runId,
        stackName: d.stackName,
      }),
    );
    return 'deny-all network ACL';
  }

  /**
   * Delay and loss between `zone` and the other zones as FIS's `aws:ssm:send-command` network
   * actions do it: `tc netem` through SSM Run Command (`AWS-RunShellScript`) on every in-service
   * instance of every group, those in the zone delaying toward the other zones' subnet CIDR blocks
   * and the others toward the zone's (both directions). Returns once every invocation has
   * started; each fault is kept in `zoneLatencies`. It ends on its own after `latency.seconds`;
   * `zoneRestore` ends it early.
   */
  async zoneLatency(zone: string, latency: ZoneLatency): Promise<string> {
    const figures = validateZoneLatency(latency);
    checkLatencyZone(zone, this.zones);
    const d = this.deployment;
    if (!d) throw new Error('AwsTarget: not deployed');
    const cidrsByZone = await describeZoneCidrs(
      this.clients.ec2,
      Object.fromEntries(this.zones.map((z) => [z, d.subnetIdsByZone[z] ?? []])),
    );
    const { inZone, outside } = zoneLatencyInstances(
      await Promise.all(ALL_GROUPS.map((g) => this.groupState(g))),
      zone,
    );
    const run = await runZoneLatency(this.clients.ssm, {
      zone,
      ...figures,
      inZone,
      outside,
      cidrsByZone,
      runId: this.runId,
    });
    this.latencies.push(run);
    const where = (side: 'zone' | 'others'): string =>
      run.commands
        .filter((c) => c.side === side)
        .flatMap((c) =>
          c.instances.map((i) => (i.memberId === i.instanceId ? i.instanceId : `${i.memberId} (${i.instanceId})`)),
        )
        .join(', ');
    this.log(
      `zone latency ${zone}: ${describeLatencyFault(run)} on ${where('zone')} ` +
        `and, toward ${zone}, on ${where('others')} (commands ${run.commands.map((c) => c.commandId).join(', ')})`,
    );
    return zoneLatencyMethod(run);
  }

  /** Every zone latency sent so far: command ids, scripts, and which instances they went to. */
  get zoneLatencies(): readonly ZoneLatencyRun[] {
    return this.latencies;
  }

  /**
   * Put the zone's subnets back on their network ACLs (a powered-off zone needs nothing: the
   * groups replace members), and cancel the zone's latency commands still running (their
   * scripts then remove the qdisc).
   */
  async zoneRestore(zone: string): Promise<void> {
    const failures: Error[] = [];
    const d = this.disrupted.get(zone);
    if (d) {
      try {
        await restoreZone(this.clients.ec2, d);
        this.disrupted.delete(zone);
      } catch (error) {
        failures.push(error as Error);
      }
    }
    for (const run of this.latencies.filter((r) => r.zone === zone && !r.restoredAt)) {
      try {
        const cancelled = await endZoneLatency(this.clients.ssm, run);
        if (cancelled.length > 0) this.log(`zone latency ${zone}: cancelled ${cancelled.join(', ')}`);
      } catch (error) {
        failures.push(error as Error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new Error(failures.map((e) => e.message).join('; '), { cause: failures });
  }

  /** The zones currently cut off, with what was changed. */
  disruptions(): ZoneDisruption[] {
    return [...this.disrupted.values()];
  }

  /**
   * CPU stress as FIS `aws:ssm:send-command` with `AWSFIS-Run-CPU-Stress` does it: SSM Run
   * Command to the group's in-service instances (or `memberIds` of them), `workers` stressors
   * each (the document's `CPU`; 0 = every vCPU), for `seconds`. Returns once every invocation
   * has started; each run is kept in `cpuStresses`. Throws naming the fix when an instance is not
   * managed by SSM.
   */
  async stressCpu(stress: CpuStress): Promise<void> {
    const instances = cpuStressInstances(await this.groupState(stress.group), stress.memberIds);
    const run = await runCpuStress(this.clients.ssm, {
      group: stress.group,
      instances,
      seconds: stress.seconds,
      cpus: stress.workers ?? 1,
      runId: this.runId,
    });
    this.stresses.push(run);
    const where = instances
      .map((i) => (i.memberId === i.instanceId ? i.instanceId : `${i.memberId} (${i.instanceId})`))
      .join(', ');
    this.log(
      `CPU stress ${stress.group} for ${run.parameters.DurationSeconds![0]}s on ${where} (command ${run.commandId})`,
    );
  }

  /** Every CPU stress sent so far: command id, parameters, and which instances it went to. */
  get cpuStresses(): readonly CpuStressRun[] {
    return this.stresses;
  }

  private async appEndpoints(): Promise<AppEndpoint[]> {
    const out: AppEndpoint[] = [];
    for (const group of ['producers', 'consumers'] as const) {
      const state = await this.groupState(group);
      for (const m of state.members) {
        if (m.lifecycle !== 'InService' || !m.address) continue;
        out.push({ group, memberId: m.id, baseUrl: `http://${this.reach(m.address, PORTS.appHttp)}` });
      }
    }
    return out;
  }

  async setLoad(recordsPerSecond: number): Promise<void> {
    await this.load.set(
      recordsPerSecond,
      (await this.appEndpoints()).filter((a) => a.group === 'producers'),
    );
  }

  async getLoad(): Promise<number> {
    return this.load.current ?? 0;
  }

  /** Apps' /metrics for rates and app CPU; Kafka for lag; CloudWatch (1-minute) for Kafka and Cassandra CPU. */
  async metrics(): Promise<MetricsSample> {
    const apps = await this.appEndpoints();
    const readings = await scrapeApps(apps);
    await this.load
      .reconcile(
        apps.filter((a) => a.group === 'producers'),
        readings,
      )
      .catch(() => undefined);
    this.lagReader ??= new KafkaLagReader(
      this.kafkaBrokers(),
      consumerGroupId(this.options.spec),
      this.options.spec.kafka.topic,
    );
    const { lag, stale } = await this.lagReader.latest(LAG_BUDGET_MS);
    const cpu = await this.clusterCpu().catch(() => ({}));
    const sample = this.collector.sample(readings, Date.now(), lag, cpu);
    return stale ? { ...sample, lagStale: true } : sample;
  }

  /** Average CPUUtilization of the stateful groups' ASGs over the last 5 minutes, cached for a minute. */
  async clusterCpu(now = new Date()): Promise<Partial<Record<GroupName, number>>> {
    if (this.cpuCache && now.getTime() - this.cpuCache.at < 60_000) return this.cpuCache.value;
    const groups = ['kafka', 'cassandra'] as const;
    const queries = groups.flatMap((g, gi) =>
      (this.endpoints().groups[g] ?? []).map((name, i) => ({
        Id: `g${gi}m${i}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/EC2',
            MetricName: 'CPUUtilization',
            Dimensions: [{ Name: 'AutoScalingGroupName', Value: name }],
          },
          Period: 60,
          Stat: 'Average',
        },
      })),
    );
    const value: Partial<Record<GroupName, number>> = {};
    if (queries.length > 0) {
      const res = await this.clients.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(now.getTime() - 5 * 60_000),
          EndTime: now,
        }),
      );
      groups.forEach((g, gi) => {
        const latest = (res.MetricDataResults ?? [])
          .filter((r) => r.Id?.startsWith(`g${gi}m`))
          .map((r) => r.Values?.[0])
          .filter((v): v is number => v !== undefined);
        if (latest.length > 0) value[g] = Math.round((latest.reduce((a, b) => a + b, 0) / latest.length) * 10) / 10;
      });
    }
    this.cpuCache = { at: now.getTime(), value };
    return value;
  }

  /** Upload the generated dataset (objects + manifest; or, without a manifest, plain objects) to the stack's bucket. */
  async uploadDataset(dir: string, subPrefix = ''): Promise<UploadedDataset> {
    const options = {
      dir,
      bucket: this.endpoints().bucket,
      prefix: `${this.options.spec.dataset.prefix}${subPrefix}`,
      client: this.clients.s3,
      region: this.options.spec.region,
    };
    if (!(await hasManifest(dir))) {
      const plain = await uploadObjects(options);
      return { bucket: this.endpoints().bucket, keys: plain.objectKeys, bytes: plain.bytes };
    }
    const result = await putDataset(options);
    return {
      bucket: this.endpoints().bucket,
      keys: result.objectKeys,
      bytes: result.manifest.objects.reduce((n, o) => n + o.bytes, 0),
    };
  }

  private kafkaBrokers(): string[] {
    return this.endpoints().kafkaBootstrap.map((hp) => {
      const [host, port] = hp.split(':');
      return this.reach(host!, Number(port));
    });
  }

  readSinkIds(): AsyncIterable<string> {
    const c = this.options.spec.cassandra;
    return readCassandraIds({
      contactPoints: this.endpoints().cassandraContactPoints.map((hp) => {
        const [host, port] = hp.split(':');
        return this.reach(host!, Number(port));
      }),
      dataCenter: this.options.spec.region,
      keyspace: c.keyspace,
      table: c.table,
      consistency: c.consistency,
      ...(this.options.spec.dataset.schema ? { schema: this.options.spec.dataset.schema } : {}),
    });
  }

  readSinkRows(): AsyncIterable<SinkRow> {
    const c = this.options.spec.cassandra;
    return readCassandraRows({
      contactPoints: this.endpoints().cassandraContactPoints.map((hp) => {
        const [host, port] = hp.split(':');
        return this.reach(host!, Number(port));
      }),
      dataCenter: this.options.spec.region,
      keyspace: c.keyspace,
      table: c.table,
      consistency: c.consistency,
    });
  }

  locateInTopic(ids: ReadonlySet<string>): Promise<Map<string, TopicLocation>> {
    return locateOnTopic(ids, {
      brokers: this.kafkaBrokers(),
      topic: this.options.spec.kafka.topic,
      groupId: consumerGroupId(this.options.spec),
    });
  }

  deadLetters(): AsyncIterable<DeadLetter> {
    return readDeadLetters(this.kafkaBrokers(), this.options.spec.kafka.deadLetterTopic);
  }
}
