import type { GroupName } from '../spec/index.ts';

/**
 * What a scenario talks to. `AwsTarget` implements it with terraform + the AWS SDK, `LocalTarget`
 * with the local twin; a scenario is written once against this interface and runs on both.
 */

/** Where the deployed pipeline's parts answer. Same shape as the stacks' Terraform outputs. */
export interface PipelineEndpoints {
  /** S3 API endpoint URL (empty string on AWS: the region's endpoint). */
  s3Endpoint: string;
  /** Dataset bucket. */
  bucket: string;
  /** Kafka bootstrap servers, `host:port`. */
  kafkaBootstrap: string[];
  /** Cassandra contact points, `host:port`. */
  cassandraContactPoints: string[];
  /** Group name → Auto Scaling group name(s) (locally: the twin's group id). */
  groups: Record<GroupName, string[]>;
}

/** Lifecycle of one member, named as Auto Scaling names instance lifecycle states. */
export type MemberLifecycle = 'Pending' | 'InService' | 'Unhealthy' | 'Terminating' | 'Frozen';

/** One instance (AWS) or process (local) of a group. */
export interface MemberState {
  /** Stable member id: for stateful groups it survives replacement (`kafka-1` stays `kafka-1`). */
  id: string;
  /** Zone it runs in. */
  zone: string;
  /** Lifecycle state. */
  lifecycle: MemberLifecycle;
  /** Address it serves on. */
  address: string;
  /** When this incarnation was launched (ISO 8601). */
  launchedAt: string;
}

/** A group's capacity and members, as DescribeAutoScalingGroups reports them. */
export interface GroupState {
  group: GroupName;
  min: number;
  max: number;
  desired: number;
  members: MemberState[];
  /** Members in service per zone. */
  inServiceByZone: Record<string, number>;
}

/** One scaling activity, as DescribeScalingActivities reports it. */
export interface ScalingActivity {
  /** ISO 8601 time the activity started. */
  time: string;
  group: GroupName;
  /** Why, in words: "target tracking consumerLag 9120 > 5000", "member kafka-1 terminated", … */
  cause: string;
  /** Desired capacity before. */
  from: number;
  /** Desired capacity after. */
  to: number;
  /**
   * Set when the activity replaces a member: which one and why (`unhealthy`: it failed its
   * health checks; `lost`: its process or instance was gone).
   */
  replaced?: { member: string; reason: 'unhealthy' | 'lost' };
  /**
   * Set on a record of a fault the target itself injected or ended (the twin journals its
   * faults beside its scaling activities): no reaction of the platform, so never a time to detect.
   */
  fault?: true;
}

/** Latency of the records written in one sample interval (or a window). Milliseconds. */
export interface LatencyFigures {
  /** Records written (with a produce stamp). */
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** p99 of how far behind its schedule the producer was for these records. */
  behindScheduleP99: number | null;
}

/** One sample's latency: the figures and the per-bucket counts that windows merge. */
export interface LatencySample extends LatencyFigures {
  bounds: number[];
  /** Per-bucket e2e counts of the interval. */
  e2e: number[];
  /** Per-bucket behind-schedule counts of the interval. */
  behind: number[];
}

/** A point-in-time reading of the pipeline's metrics. */
export interface MetricsSample {
  /** ISO 8601. */
  time: string;
  /** Records/s produced to the data topic, summed over producers. */
  producedPerSecond: number;
  /** Records/s written to Cassandra, summed over consumers. */
  consumedPerSecond: number;
  /** Total consumer-group lag, records. */
  lag: number;
  /** Errors/s summed over both fleets. */
  errorsPerSecond: number;
  /** Records dead-lettered so far. */
  deadLettered: number;
  /** Average CPU percent per group. */
  cpuByGroup: Partial<Record<GroupName, number>>;
  /**
   * Figures this reading could not measure (no member answered its scrape, Kafka gave no lag):
   * their numbers above are placeholders (0), a gap in the series, and no probe passes on them.
   * @default none: every figure was measured
   */
  unknown?: MeasuredFigure[];
  /**
   * `lag` is the previous read's value (Kafka did not answer within the sample's budget; it is
   * at most 10 s old): a probe takes it, the drain's early end does not.
   */
  lagStale?: boolean;
  /** End-to-end latency of the records written since the previous sample (absent when the consumers export none). */
  latency?: LatencySample;
  /**
   * A producer that answered saw every object of the dataset produced: each has a done checkpoint
   * in the progress topic, written only once all its rows were acknowledged (acks=all). Absent
   * when no producer exports the figure.
   */
  datasetProduced?: boolean;
}

/** The figures of a `MetricsSample` that come from a measurement that can fail. */
export type MeasuredFigure = 'producedPerSecond' | 'consumedPerSecond' | 'lag' | 'errorsPerSecond';

/** How a zone is taken out. */
/**
 * Delay and loss on the traffic between one zone and the others, in both directions (as `tc
 * netem` on the zone's links would add them): every packet from the zone to another zone, and
 * from another zone to it, arrives `delayMs` later and is lost with `lossPercent`. Traffic
 * inside the zone, and to regional services (S3), is untouched. The fault ends on its own after
 * `seconds`, as FIS's network actions do (their DurationSeconds); `zoneRestore` ends it early.
 */
export interface ZoneLatency {
  /** Added one-way delay, milliseconds (0–60 000). A round trip to another zone takes 2 × this longer. */
  delayMs: number;
  /** Percent of those packets dropped, each direction (0–100). @default 0 */
  lossPercent?: number;
  /** How long the fault lasts, seconds (> 0, at most 3600). */
  seconds: number;
}

export type ZoneOutageMode =
  /** Every member of the zone stops answering (SIGSTOP locally; deny-all NACL on AWS). */
  | 'disrupt'
  /** Every member of the zone dies (power interruption). */
  | 'power';

/**
 * Which members of a group a kill takes. `count` and `percent` pick from the members in service
 * (percent rounds up, at least one); `ids` names them; `zone` takes every member in that zone.
 */
export type MemberSelector = { count: number } | { percent: number } | { ids: string[] } | { zone: string };

/** What `uploadDataset` put where. */
export interface UploadedDataset {
  /** Bucket the objects went to. */
  bucket: string;
  /** Object keys written, in upload order. */
  keys: string[];
  /** Bytes uploaded. */
  bytes: number;
}

/** One record the pipeline dead-lettered, as read back from the dead-letter topic. */
export interface DeadLetter {
  /** The record's `record_id`, when the malformed line still had one. */
  recordId?: string;
  /** Why it was rejected, as the app wrote it. */
  reason: string;
  /** Where the line came from, `object-key:line`, when the app recorded it: dead letters are counted once per source line. */
  source?: string;
  /** Set when the letter says a whole object was skipped (unreadable): the object's key. */
  skippedObject?: string;
}

/** How a group's members are health-checked and when the group replaces them. */
export interface HealthCheckSettings {
  /** `ELB`: HTTP checks of a target group; `EC2`: only the instance's own status (process alive). */
  type: 'ELB' | 'EC2';
  /** Path checked (ELB). */
  path?: string;
  /** Seconds between checks of one member (real time). */
  intervalSeconds?: number;
  /** Seconds a check may take to answer (real time). */
  timeoutSeconds?: number;
  /** Failed checks in a row that make a member unhealthy. */
  unhealthyThreshold?: number;
  /** Passed checks in a row that make it healthy again. */
  healthyThreshold?: number;
  /** Seconds after launch during which an unhealthy member is not replaced (real time). */
  graceSeconds: number;
  /** The time scale the other timings were derived with (1 = real time). */
  timeScale?: number;
}

/** One sink row as the ledger's content check sees it. */
export interface SinkRow {
  id: string;
  /** The row's `record_version` (null when the column is empty). */
  version: number | null;
  /** Content digest of the row's columns (src/harness/dataset/content.ts). */
  digest: string;
}

/** The last stage that saw a record the sink lacks (the ledger's "where was it lost"). */
export type LostStage =
  /** Never on the data topic: still only in S3 (never produced, or produced but never acknowledged). */
  | 's3'
  /** On the data topic, but the consumer group's committed offset is not past it. */
  | 'topic'
  /** On the data topic and the committed offset is past it: consumed, yet not in Cassandra. */
  | 'consumed';

/** Where a record was found on the data topic. */
export interface TopicLocation {
  partition: number;
  /** Its first offset on the partition. */
  offset: string;
  /** Whether the consumer group's committed offset on that partition is past it. */
  consumed: boolean;
}

/** CPU stress on members of a group (FIS `aws:ssm:send-command/AWSFIS-Run-CPU-Stress`). */
export interface CpuStress {
  /** Group whose members are stressed. */
  group: GroupName;
  /** How long, seconds. */
  seconds: number;
  /** Busy workers per member. @default 1 */
  workers?: number;
  /** Only these members. @default every member in service */
  memberIds?: string[];
}

/**
 * What a scenario talks to. `AwsTarget` implements it with terraform + the AWS SDK,
 * `LocalTarget` with the local twin through the same terraform runner. Methods that change
 * the system return once the change was requested (as the AWS APIs do), not once the system
 * has reacted: the scenario's probes observe the reaction.
 */
export interface Target {
  /** `local` or `aws`: shown in journals and reports. */
  readonly kind: 'local' | 'aws';
  /** Run id: tags every resource (AWS) and names the run dir; `terratower nuke` sweeps by it. */
  readonly runId: string;
  /** Zones of the deployed pipeline, in spec order. */
  readonly zones: readonly string[];

  /** Apply the stack and wait until every group is in service. Returns where the parts answer. */
  deploy(): Promise<PipelineEndpoints>;
  /** Destroy everything `deploy` created (and sweep leftovers of this run). Safe to call twice. */
  teardown(): Promise<void>;
  /** Endpoints of the deployed pipeline; throws if not deployed. */
  endpoints(): PipelineEndpoints;

  /** Capacity and members of a group. */
  groupState(group: GroupName): Promise<GroupState>;
  /** Scaling activities (launches, terminations, desired changes) that started at or after `since`. */
  scalingActivities(since: Date): Promise<ScalingActivity[]>;

  /** Terminate members (FIS `aws:ec2:terminate-instances`); the group replaces them. Returns the ids killed. */
  killMembers(group: GroupName, selector: MemberSelector): Promise<string[]>;
  /** Set a group's desired capacity (SetDesiredCapacity). */
  setDesired(group: GroupName, desired: number): Promise<void>;
  /**
   * Take a zone out: `disrupt` cuts it off (FIS disrupt-connectivity), `power` kills its members.
   * Resolves to how the target did it, e.g. `network partition` or `SIGSTOP`.
   */
  zoneOutage(zone: string, mode: ZoneOutageMode): Promise<string>;
  /**
   * Add delay and loss between a zone and the other zones for `latency.seconds` (see
   * {@link ZoneLatency}). Resolves, once the fault is in place, to how the target did it.
   */
  zoneLatency(zone: string, latency: ZoneLatency): Promise<string>;
  /** Bring a zone back after `zoneOutage` (restores connectivity / thaws; powered-off members are replaced by the groups). */
  zoneRestore(zone: string): Promise<void>;
  /** Burn CPU on members of a group for a while. */
  stressCpu(stress: CpuStress): Promise<void>;

  /**
   * Set the producer fleet's total rate, records/s, spread over the producers in service and kept
   * on members that join later. 0 means unlimited (as the apps read it).
   */
  setLoad(recordsPerSecond: number): Promise<void>;
  /** The producer fleet's total rate last set, records/s. */
  getLoad(): Promise<number>;
  /** One reading of the pipeline's metrics (rates are over the time since the previous call). */
  metrics(): Promise<MetricsSample>;

  /**
   * Upload a generated dataset directory to the dataset bucket, under the spec's prefix plus
   * `subPrefix` (e.g. `traffic-spike/`: several datasets can feed one deployed pipeline).
   */
  uploadDataset(dir: string, subPrefix?: string): Promise<UploadedDataset>;
  /** Every `record_id` in the sink table, paged at the spec's consistency level. */
  readSinkIds(): AsyncIterable<string>;
  /** Every sink row with its version and content digest, paged at the spec's consistency level. */
  readSinkRows(): AsyncIterable<SinkRow>;
  /**
   * Look `ids` up on the data topic itself (read from the earliest offset to the current end) and
   * in the consumer group's committed offsets. Ids not found are absent from the map.
   */
  locateInTopic(ids: ReadonlySet<string>): Promise<Map<string, TopicLocation>>;
  /** Every record on the dead-letter topic, from the beginning to the current end. */
  deadLetters(): AsyncIterable<DeadLetter>;
  /** The health checks each app group runs (shown in the report); absent when the target cannot say. */
  healthChecks?(): Promise<Partial<Record<GroupName, HealthCheckSettings>>>;
  /**
   * Copy the members' logs into `dir` (a failed run keeps them beside its report, since teardown
   * removes them). Returns how many files it copied. Only where the logs are local (the twin).
   */
  keepLogs?(dir: string): Promise<number>;
}

/** Every group a target manages, in the order reports show them. */
export const ALL_GROUPS: readonly GroupName[] = ['producers', 'consumers', 'kafka', 'cassandra'];
