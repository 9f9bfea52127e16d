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
}

/** How a zone is taken out. */
export type ZoneOutageMode =
  /** Every member of the zone stops answering (SIGSTOP locally; deny-all NACL on AWS). */
  | 'disrupt'
  /** Every member of the zone dies (power interruption). */
  | 'power';
