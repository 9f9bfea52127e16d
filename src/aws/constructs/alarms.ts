/**
 * `PipelineAlarms`: CloudWatch alarms that page someone, to an SNS topic (given, or created):
 * consumer lag above a limit, an app fleet held at its maximum size (scaling has run out of
 * room), and any Auto Scaling group with fewer members in service than it wants (unhealthy or
 * failing to launch). Under-replicated partitions are not among them: the brokers export that
 * to Prometheus (monitoring instance), not to CloudWatch.
 */
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
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
    this.alarms = alarms;
  }
}
