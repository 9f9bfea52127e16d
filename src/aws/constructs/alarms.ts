/**
 * `PipelineAlarms`: CloudWatch alarms that page someone, to an SNS topic (given, or created):
 * consumer lag above a limit, an app fleet held at its maximum size (scaling has run out of
 * room), and any Auto Scaling group with fewer members in service than it wants (unhealthy or
 * failing to launch), under-replicated partitions (published by every broker, see
 * `KafkaCluster.publishUnderReplicatedPartitions`), and app members reporting themselves
 * Unhealthy (`ServiceFleet.reportUnhealthyMetric`).
 */
import { Construct } from '../cdktf.ts';
import { CloudwatchMetricAlarm, SnsTopic } from '../provider-aws.ts';
import { placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `PipelineAlarms`. */
export interface PipelineAlarmsProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** SNS topic ARN the alarms notify. @default a new topic, `<stack>-alarms` (encrypted with the AWS-managed SNS key) */
  topicArn?: string;
  /** The consumer-lag metric (namespace, name, dimensions) and the lag, records, that alarms. */
  consumerLag?: { namespace: string; name: string; dimensions: Record<string, string>; max: number };
  /** App fleets by group name → ASG name (a reference), alarmed when held at their maximum for 15 minutes. */
  fleets: Record<string, string>;
  /** Every Auto Scaling group by a label (fleets and stateful members), alarmed when short of desired for 10 minutes. */
  groups: Record<string, string>;
  /**
   * The brokers' under-replicated-partitions metric: alarmed when its maximum is above 0 for 5
   * minutes, or when no broker reports it for 5 minutes. @default no such alarm
   */
  underReplicatedPartitions?: { namespace: string; name: string; dimensions: Record<string, string> };
  /**
   * The members' Unhealthy reports, by fleet label → the metric's dimensions: alarmed when any
   * member of the fleet reported itself Unhealthy in the last 5 minutes. @default no such alarm
   */
  unhealthyMembers?: { namespace: string; name: string; dimensionsByFleet: Record<string, Record<string, string>> };
}

/** The pipeline's alarms and their topic. */
export class PipelineAlarms extends Construct {
  /** ARN of the topic the alarms notify. */
  readonly topicArn: string;
  /** The alarms, by name. */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  /** @param props see `PipelineAlarmsProps` */
  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const { identity } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`PipelineAlarms "${id}"`);
    if (props.consumerLag) check.wholeNumber('consumerLag.max', props.consumerLag.max, 1);
    const tags = (name: string) => placementTags(identity, name, { group: 'monitoring' });
    if (props.topicArn) {
      this.topicArn = props.topicArn;
    } else {
      const name = resourceName(identity, 'alarms', 256);
      this.topicArn = new SnsTopic(this, 'topic', { name, kmsMasterKeyId: 'alias/aws/sns', tags: tags(name) }).arn;
    }
    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    const common = { alarmActions: [this.topicArn], okActions: [this.topicArn] };
    if (props.consumerLag) {
      const l = props.consumerLag;
      const name = resourceName(identity, 'consumer-lag', 255);
      alarms[name] = new CloudwatchMetricAlarm(this, 'consumer-lag', {
        alarmName: name,
        alarmDescription: `consumer lag of ${identity.stackName} above ${l.max} records for 5 minutes`,
        namespace: l.namespace,
        metricName: l.name,
        dimensions: l.dimensions,
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 5,
        threshold: l.max,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'breaching', // no lag reported at all is an outage too
        ...common,
        tags: tags(name),
      });
    }
    const asgMetric = (mid: string, metric: string, asg: string) => ({
      id: mid,
      returnData: false,
      metric: {
        namespace: 'AWS/AutoScaling',
        metricName: metric,
        dimensions: { AutoScalingGroupName: asg },
        period: 60,
        stat: 'Average',
      },
    });
    for (const [group, asg] of Object.entries(props.fleets)) {
      const name = resourceName(identity, `${group}-at-max`, 255);
      alarms[name] = new CloudwatchMetricAlarm(this, `${group}-at-max`, {
        alarmName: name,
        alarmDescription: `${group} of ${identity.stackName} held at its maximum size for 15 minutes: scaling has no room left`,
        metricQuery: [
          asgMetric('inservice', 'GroupInServiceInstances', asg),
          asgMetric('maxsize', 'GroupMaxSize', asg),
          { id: 'atmax', expression: 'IF(inservice >= maxsize, 1, 0)', label: 'at max', returnData: true },
        ],
        evaluationPeriods: 15,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        ...common,
        tags: tags(name),
      });
    }
    for (const [label, asg] of Object.entries(props.groups)) {
      const name = resourceName(identity, `${label}-short`, 255);
      alarms[name] = new CloudwatchMetricAlarm(this, `${label}-short`, {
        alarmName: name,
        alarmDescription: `${label} of ${identity.stackName} has fewer members in service than desired for 10 minutes`,
        metricQuery: [
          asgMetric('inservice', 'GroupInServiceInstances', asg),
          asgMetric('desired', 'GroupDesiredCapacity', asg),
          { id: 'short', expression: 'desired - inservice', label: 'members short', returnData: true },
        ],
        evaluationPeriods: 10,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        ...common,
        tags: tags(name),
      });
    }
    if (props.underReplicatedPartitions) {
      const u = props.underReplicatedPartitions;
      const name = resourceName(identity, 'under-replicated', 255);
      alarms[name] = new CloudwatchMetricAlarm(this, 'under-replicated', {
        alarmName: name,
        alarmDescription: `${identity.stackName} has under-replicated Kafka partitions (or no broker reports the count) for 5 minutes`,
        namespace: u.namespace,
        metricName: u.name,
        dimensions: u.dimensions,
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 5,
        threshold: 0,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'breaching', // no broker able to describe the topics is worse
        ...common,
        tags: tags(name),
      });
    }
    for (const [fleet, dimensions] of Object.entries(props.unhealthyMembers?.dimensionsByFleet ?? {})) {
      const u = props.unhealthyMembers!;
      const name = resourceName(identity, `${fleet}-unhealthy`, 255);
      alarms[name] = new CloudwatchMetricAlarm(this, `${fleet}-unhealthy`, {
        alarmName: name,
        alarmDescription: `a member of ${fleet} of ${identity.stackName} reported itself Unhealthy (its /healthz failed) and is being replaced`,
        namespace: u.namespace,
        metricName: u.name,
        dimensions,
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching', // no report is the healthy case
        ...common,
        tags: tags(name),
      });
    }
    this.alarms = alarms;
  }
}
