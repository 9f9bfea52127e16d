/**
 * `ServiceFleet`: an autoscaled group of app instances (producers or consumers) over the private
 * subnets. Launch template with IMDSv2 required and an encrypted root volume, user data carrying
 * the app's env file, an instance role scoped to named resources and managed by SSM (so Run
 * Command faults such as `AWSFIS-Run-CPU-Stress` reach the members), health-check grace,
 * rolling instance refresh, and scaling helpers shaped like aws-cdk's `AutoScalingGroup`:
 * `scaleOnCpuUtilization`, `scaleOnMetricPerMember` (target tracking), `scaleOnMetric` (step
 * scaling with a CloudWatch alarm) and `scaleOnSchedule`.
 */
import { Construct, Token } from '../cdktf.ts';
import {
  AutoscalingGroup,
  AutoscalingPolicy,
  AutoscalingSchedule,
  CloudwatchMetricAlarm,
  LaunchTemplate,
} from '../provider-aws.ts';
import type { CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { PIPELINE_HEALTH_METRICS, PORTS } from '../../spec/ports.ts';
import type { AppGroupName, ScalingSpec, StepAdjustment } from '../../spec/types.ts';
import type { DatasetBucket } from './dataset-bucket.ts';
import { autoScalingGroupArn } from './aws-account.ts';
import { InstanceIamRole, putMetricDataStatement, ssmManagedInstanceStatements } from './iam.ts';
import { instanceTags, namePrefix, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';
import { launchTemplateHardening } from './launch-template-defaults.ts';
import type { Network } from './network.ts';
import { PeerSecurityGroup } from './security-group.ts';
import { userDataBase64 } from './user-data-encoding.ts';
import { readSecretStatements } from './run-credentials.ts';
import type { UserDataLogs } from './user-data-logs.ts';
import { renderUserData, type BootSecret } from './user-data.ts';

/** A metric a fleet scales on. */
export type FleetMetric =
  /** Average CPU utilization of the group, percent. */
  | { kind: 'cpu' }
  /**
   * A custom metric divided by the group's in-service members (e.g. consumer-group lag per
   * consumer: AWS's "backlog per instance").
   */
  | {
      kind: 'perMember';
      /** CloudWatch namespace. */
      namespace: string;
      /** Metric name. */
      name: string;
      /** Dimensions that select the series. */
      dimensions: Record<string, string>;
      /** Statistic over each period. @default 'Average' */
      statistic?: 'Average' | 'Maximum' | 'Minimum' | 'Sum';
    };

/** Props of `scaleOnCpuUtilization`. */
export interface CpuScalingProps {
  /** Average CPU percent to hold the group at. */
  targetPercent: number;
  /** Never remove members because of this policy. @default false */
  disableScaleIn?: boolean;
  /** Seconds before a new member's metrics count. @default the group's warm-up */
  warmupSeconds?: number;
}

/** Props of `scaleOnMetricPerMember`. */
export interface MetricPerMemberScalingProps {
  /** The metric (divided by in-service members). */
  metric: Extract<FleetMetric, { kind: 'perMember' }>;
  /** Value per member to hold the group at. */
  target: number;
  /** Never remove members because of this policy. @default false */
  disableScaleIn?: boolean;
  /** Seconds before a new member's metrics count. @default the group's warm-up */
  warmupSeconds?: number;
}

/** Props of `scaleOnMetric` (step scaling). */
export interface StepScalingProps {
  /** Metric the alarm watches. */
  metric: FleetMetric;
  /** Alarm threshold. */
  threshold: number;
  /** Alarm when the metric is above (scale out) or below (scale in) the threshold. */
  comparison: 'above' | 'below';
  /** Consecutive 60 s periods in breach before the alarm fires. @default 1 */
  evaluationPeriods?: number;
  /** Adjustments by size of the breach (bounds relative to the threshold). */
  steps: StepAdjustment[];
  /** Seconds before a new member's metrics count. @default the group's warm-up */
  warmupSeconds?: number;
}

/** Props of `scaleOnSchedule`. */
export interface ScheduleScalingProps {
  /** Cron expression, UTC. */
  recurrence: string;
  /** New minimum size. @default unchanged */
  min?: number;
  /** New maximum size. @default unchanged */
  max?: number;
  /** New desired capacity. @default unchanged */
  desired?: number;
}

/** Props of `ServiceFleet`. */
export interface ServiceFleetProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** The network; the group spans its private subnets. */
  network: Network;
  /** Which fleet. */
  group: AppGroupName;
  /** AMI with the app and its `terratower-<role>` unit. */
  imageId: string;
  /** EC2 instance type. */
  instanceType: string;
  /** Minimum members. */
  min: number;
  /** Maximum members. */
  max: number;
  /** Desired members at deploy time (scaling owns it afterwards). */
  desired: number;
  /** Seconds after launch before health checks can replace a member. */
  healthCheckGraceSeconds: number;
  /** Seconds between scaling activities (simple policies) . @default 300 */
  cooldownSeconds?: number;
  /** Seconds a new member runs before its metrics count. @default 120 */
  warmupSeconds?: number;
  /** The app's env file: exactly `producerEnv(...)` / `consumerEnv(...)` (see user-data.ts). */
  env: Record<string, string>;
  /** Namespace the members may publish CloudWatch metrics to. @default no PutMetricData */
  metricsNamespace?: string;
  /** Size of the encrypted root volume, GiB. @default 20 */
  rootVolumeSizeGiB?: number;
  /** Percent of the group kept in service during an instance refresh. @default 50 */
  refreshMinHealthyPercent?: number;
  /**
   * Members report themselves Unhealthy (`SetInstanceHealth`) when the app's `/healthz` fails
   * three times in a row, so the group replaces a hung app, not only a dead instance.
   * `false`: EC2 status checks only. @default true
   */
  appHealthCheck?: boolean;
  /**
   * With `appHealthCheck`: also publish 1 to `PIPELINE_HEALTH_METRICS.unhealthyReports`
   * (dimensions `Pipeline`, `Group`) each time a member reports itself Unhealthy, for the
   * unhealthy-members alarm. @default false
   */
  reportUnhealthyMetric?: boolean;
  /**
   * Secrets the members read at boot (credentials into the env file, CA files); the fleet's role
   * may read exactly these secrets. @default none
   */
  bootSecrets?: BootSecret[];
  /** KMS key (ARN) of `bootSecrets`, when they are encrypted with one. @default the AWS-managed key */
  bootSecretsKmsKeyArn?: string;
  /** Ship each member's user-data and cloud-init output here. @default not shipped */
  logs?: UserDataLogs;
}

const ROLE_OF: Record<AppGroupName, 'producer' | 'consumer'> = { producers: 'producer', consumers: 'consumer' };

/** An autoscaled app fleet. */
export class ServiceFleet extends Construct {
  /** Security group of the members (admit it at Kafka/Cassandra to let the fleet in). */
  readonly securityGroup: PeerSecurityGroup;
  /** The members' instance role. */
  readonly role: InstanceIamRole;
  /** The launch template. */
  readonly launchTemplate: LaunchTemplate;
  /** The Auto Scaling group. */
  readonly autoScalingGroup: AutoscalingGroup;
  /** Auto Scaling group name (a reference to the group's `name`). */
  readonly asgName: string;
  /** Name of the group and prefix of its policies and alarms, known at synth: `<stack>-<group>`. */
  readonly fleetName: string;
  /** Which fleet. */
  readonly group: AppGroupName;
  private readonly warmupSeconds: number;
  private readonly identity: StackIdentity;

  /** @param props see `ServiceFleetProps` */
  constructor(scope: Construct, id: string, props: ServiceFleetProps) {
    super(scope, id);
    const { identity, network, group } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`ServiceFleet "${id}"`);
    check.instanceType('instanceType', props.instanceType);
    check.nonEmpty('imageId', props.imageId);
    check.wholeNumber('min', props.min, 0);
    if (!Number.isInteger(props.max) || props.max < Math.max(1, props.min))
      check.fail('max', props.max, `a whole number ≥ 1 and ≥ min (${props.min})`);
    check.wholeNumber('desired', props.desired, props.min, props.max);
    check.wholeNumber('healthCheckGraceSeconds', props.healthCheckGraceSeconds, 0);
    if (props.cooldownSeconds !== undefined) check.wholeNumber('cooldownSeconds', props.cooldownSeconds, 0);
    if (props.warmupSeconds !== undefined) check.wholeNumber('warmupSeconds', props.warmupSeconds, 0);
    if (props.rootVolumeSizeGiB !== undefined)
      check.wholeNumber('rootVolumeSizeGiB', props.rootVolumeSizeGiB, 8, 16_384);
    if (props.refreshMinHealthyPercent !== undefined)
      check.wholeNumber('refreshMinHealthyPercent', props.refreshMinHealthyPercent, 0, 100);
    const name = resourceName(identity, group);
    const reportUnhealthy = props.appHealthCheck !== false && props.reportUnhealthyMetric === true;
    this.group = group;
    this.fleetName = name;
    this.identity = identity;
    this.warmupSeconds = props.warmupSeconds ?? 120;
    this.securityGroup = new PeerSecurityGroup(this, 'security-group', {
      identity,
      name,
      description: `${group} of ${identity.stackName}: monitoring scrapes only`,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      placement: { group },
    });
    this.role = new InstanceIamRole(this, 'role', {
      identity,
      name,
      placement: { group },
      statements: [
        // Managed by SSM: the harness's CPU stress (AWSFIS-Run-CPU-Stress) is SSM Run Command.
        ...ssmManagedInstanceStatements(this, identity),
        ...(props.metricsNamespace ? [putMetricDataStatement(props.metricsNamespace)] : []),
        ...(reportUnhealthy && props.metricsNamespace !== PIPELINE_HEALTH_METRICS.namespace
          ? [putMetricDataStatement(PIPELINE_HEALTH_METRICS.namespace)]
          : []),
        ...(props.bootSecrets && props.bootSecrets.length > 0
          ? readSecretStatements(
              'ReadBootSecrets',
              props.bootSecrets.map((b) => b.secretArn),
              props.bootSecretsKmsKeyArn,
            )
          : []),
        ...(props.logs ? [props.logs.writeStatement()] : []),
        ...(props.appHealthCheck === false
          ? []
          : [
              {
                sid: 'ReportOwnHealth',
                actions: ['autoscaling:SetInstanceHealth'],
                resources: [autoScalingGroupArn(this, identity.region, name)],
              },
            ]),
      ],
    });
    const tags = instanceTags(identity, name, { group });
    this.launchTemplate = new LaunchTemplate(this, 'launch-template', {
      name,
      imageId: props.imageId,
      instanceType: props.instanceType,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      iamInstanceProfile: { arn: this.role.instanceProfile.arn },
      userData: userDataBase64(
        renderUserData({
          role: ROLE_OF[group],
          region: identity.region,
          env: props.env,
          ...(props.appHealthCheck === false
            ? {}
            : {
                healthCheck: {
                  url: `http://127.0.0.1:${PORTS.appHttp}/healthz`,
                  ...(reportUnhealthy
                    ? {
                        metric: {
                          namespace: PIPELINE_HEALTH_METRICS.namespace,
                          name: PIPELINE_HEALTH_METRICS.unhealthyReports,
                          dimensions: {
                            [PIPELINE_HEALTH_METRICS.dimension]: namePrefix(identity),
                            [PIPELINE_HEALTH_METRICS.groupDimension]: group,
                          },
                        },
                      }
                    : {}),
                },
              }),
          ...(props.bootSecrets && props.bootSecrets.length > 0 ? { secrets: props.bootSecrets } : {}),
          ...(props.logs ? { logShipping: { logGroupName: props.logs.logGroupName } } : {}),
        }),
      ),
      updateDefaultVersion: true,
      ...launchTemplateHardening(props.rootVolumeSizeGiB ?? 20, tags),
      tags: placementTags(this.identity, name, { group }),
    });
    this.autoScalingGroup = new AutoscalingGroup(this, 'asg', {
      name,
      minSize: props.min,
      maxSize: props.max,
      desiredCapacity: props.desired,
      vpcZoneIdentifier: network.privateSubnetIds,
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      healthCheckType: 'EC2',
      healthCheckGracePeriod: props.healthCheckGraceSeconds,
      defaultCooldown: props.cooldownSeconds ?? 300,
      defaultInstanceWarmup: this.warmupSeconds,
      enabledMetrics: [
        'GroupMinSize',
        'GroupMaxSize',
        'GroupDesiredCapacity',
        'GroupInServiceInstances',
        'GroupPendingInstances',
        'GroupTerminatingInstances',
        'GroupTotalInstances',
      ],
      instanceRefresh: {
        strategy: 'Rolling',
        preferences: {
          minHealthyPercentage: props.refreshMinHealthyPercent ?? 50,
          instanceWarmup: String(this.warmupSeconds),
        },
      },
      tag: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      // Scaling policies own the desired capacity once deployed; re-applying must not reset it.
      lifecycle: { ignoreChanges: ['desired_capacity'] },
    });
    this.asgName = this.autoScalingGroup.name;
  }

  /** Let the members read the dataset: objects under its prefix, and listing of that prefix only. */
  grantDatasetRead(dataset: DatasetBucket): void {
    this.role.addStatements(
      { sid: 'ReadDatasetObjects', actions: ['s3:GetObject'], resources: [dataset.objectsArn] },
      {
        sid: 'ListDatasetPrefix',
        actions: ['s3:ListBucket'],
        resources: [dataset.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${dataset.prefix}*`] } },
      },
    );
  }

  /** Admit the monitoring instance's security group on the app and node-exporter ports. */
  admitScraper(securityGroupId: string): void {
    this.securityGroup.allowFrom('monitoring', securityGroupId, PORTS.appHttp, 'monitoring: app /metrics');
    this.securityGroup.allowFrom('monitoring', securityGroupId, PORTS.nodeExporter, 'monitoring: node exporter');
  }

  /** Target tracking on the group's average CPU (predefined ASGAverageCPUUtilization). */
  scaleOnCpuUtilization(id: string, props: CpuScalingProps): AutoscalingPolicy {
    return new AutoscalingPolicy(this, `policy-${id}`, {
      name: `${this.fleetName}-${id}`,
      autoscalingGroupName: this.asgName,
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: props.warmupSeconds ?? this.warmupSeconds,
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' },
        targetValue: props.targetPercent,
        disableScaleIn: props.disableScaleIn ?? false,
      },
    });
  }

  /** Target tracking on a custom metric divided by in-service members (metric math). */
  scaleOnMetricPerMember(id: string, props: MetricPerMemberScalingProps): AutoscalingPolicy {
    const m = props.metric;
    return new AutoscalingPolicy(this, `policy-${id}`, {
      name: `${this.fleetName}-${id}`,
      autoscalingGroupName: this.asgName,
      policyType: 'TargetTrackingScaling',
      estimatedInstanceWarmup: props.warmupSeconds ?? this.warmupSeconds,
      targetTrackingConfiguration: {
        targetValue: props.target,
        disableScaleIn: props.disableScaleIn ?? false,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'total',
              returnData: false,
              metricStat: {
                stat: m.statistic ?? 'Average',
                metric: {
                  namespace: m.namespace,
                  metricName: m.name,
                  dimensions: Object.entries(m.dimensions).map(([name, value]) => ({ name, value })),
                },
              },
            },
            {
              id: 'members',
              returnData: false,
              metricStat: {
                stat: 'Average',
                metric: {
                  namespace: 'AWS/AutoScaling',
                  metricName: 'GroupInServiceInstances',
                  dimensions: [{ name: 'AutoScalingGroupName', value: this.asgName }],
                },
              },
            },
            { id: 'perMember', expression: 'total / members', label: `${m.name} per member`, returnData: true },
          ],
        },
      },
    });
  }

  /** Step scaling: a CloudWatch alarm on `metric` that triggers a step policy. */
  scaleOnMetric(id: string, props: StepScalingProps): { policy: AutoscalingPolicy; alarm: CloudwatchMetricAlarm } {
    const policy = new AutoscalingPolicy(this, `policy-${id}`, {
      name: `${this.fleetName}-${id}`,
      autoscalingGroupName: this.asgName,
      policyType: 'StepScaling',
      adjustmentType: 'ChangeInCapacity',
      metricAggregationType: 'Average',
      estimatedInstanceWarmup: props.warmupSeconds ?? this.warmupSeconds,
      stepAdjustment: props.steps.map((s) => ({
        scalingAdjustment: s.change,
        ...(s.lowerBound !== undefined ? { metricIntervalLowerBound: String(s.lowerBound) } : {}),
        ...(s.upperBound !== undefined ? { metricIntervalUpperBound: String(s.upperBound) } : {}),
      })),
    });
    const alarm = new CloudwatchMetricAlarm(this, `alarm-${id}`, {
      alarmName: `${this.fleetName}-${id}`,
      alarmDescription: `${this.group} of ${this.identity.stackName}: step scaling ${id}`,
      comparisonOperator: props.comparison === 'above' ? 'GreaterThanOrEqualToThreshold' : 'LessThanOrEqualToThreshold',
      evaluationPeriods: props.evaluationPeriods ?? 1,
      threshold: props.threshold,
      alarmActions: [policy.arn],
      treatMissingData: 'notBreaching',
      ...this.alarmMetric(props.metric),
      tags: placementTags(this.identity, `${this.fleetName}-${id}`, { group: this.group }),
    });
    return { policy, alarm };
  }

  /** A scheduled change of min / max / desired (UTC cron). */
  scaleOnSchedule(id: string, props: ScheduleScalingProps): AutoscalingSchedule {
    return new AutoscalingSchedule(this, `schedule-${id}`, {
      scheduledActionName: `${this.fleetName}-${id}`,
      autoscalingGroupName: this.asgName,
      recurrence: props.recurrence,
      timeZone: 'Etc/UTC',
      minSize: props.min ?? -1,
      maxSize: props.max ?? -1,
      desiredCapacity: props.desired ?? -1,
    });
  }

  /**
   * Create every policy a spec's `ScalingSpec` asks for. `lagMetric` is the consumer-lag metric
   * that `consumerLag` policies use.
   */
  applyScaling(scaling: ScalingSpec, lagMetric?: Extract<FleetMetric, { kind: 'perMember' }>): void {
    const metricOf = (metric: 'cpu' | 'consumerLag'): FleetMetric => {
      if (metric === 'cpu') return { kind: 'cpu' };
      if (!lagMetric) throw new Error(`ServiceFleet ${this.group}: a consumerLag policy needs lagMetric`);
      return lagMetric;
    };
    const tt = scaling.targetTracking;
    if (tt) {
      const m = metricOf(tt.metric);
      if (m.kind === 'cpu')
        this.scaleOnCpuUtilization('target-cpu', { targetPercent: tt.target, disableScaleIn: tt.disableScaleIn });
      else
        this.scaleOnMetricPerMember('target-lag', { metric: m, target: tt.target, disableScaleIn: tt.disableScaleIn });
    }
    for (const step of scaling.stepScaling ?? []) {
      this.scaleOnMetric(`step-${step.name}`, {
        metric: metricOf(step.metric),
        threshold: step.threshold,
        comparison: step.comparison,
        evaluationPeriods: step.evaluationPeriods,
        steps: step.steps,
      });
    }
    for (const action of scaling.scheduled ?? []) {
      this.scaleOnSchedule(action.name, action);
    }
  }

  private alarmMetric(metric: FleetMetric): Partial<ConstructorParameters<typeof CloudwatchMetricAlarm>[2]> {
    if (metric.kind === 'cpu') {
      return {
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensions: { AutoScalingGroupName: this.asgName },
        statistic: 'Average',
        period: 60,
      };
    }
    const queries: CloudwatchMetricAlarmMetricQuery[] = [
      {
        id: 'total',
        returnData: false,
        metric: {
          namespace: metric.namespace,
          metricName: metric.name,
          dimensions: metric.dimensions,
          period: 60,
          stat: metric.statistic ?? 'Average',
        },
      },
      {
        id: 'members',
        returnData: false,
        metric: {
          namespace: 'AWS/AutoScaling',
          metricName: 'GroupInServiceInstances',
          dimensions: { AutoScalingGroupName: this.asgName },
          period: 60,
          stat: 'Average',
        },
      },
      { id: 'perMember', expression: 'total / members', label: `${metric.name} per member`, returnData: true },
    ];
    return { metricQuery: queries };
  }
}
