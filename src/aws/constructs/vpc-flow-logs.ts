/**
 * `VpcFlowLogs`: accepted and rejected traffic of a VPC, in a CloudWatch log group with a
 * retention, written by a role limited to that group. Useful when a scenario cuts a zone:
 * the REJECT records show what the outage blocked.
 */
import { Construct } from '../cdktf.ts';
import { CloudwatchLogGroup, FlowLog, IamRole, IamRolePolicy } from '../provider-aws.ts';
import { namePrefix, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `VpcFlowLogs`. */
export interface VpcFlowLogsProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** VPC to log. */
  vpcId: string;
  /** Days the log group keeps records. @default 14 */
  retentionDays?: number;
  /** KMS key (ARN) encrypting the log group. @default CloudWatch Logs' own encryption */
  kmsKeyArn?: string;
}

/** VPC flow logs to CloudWatch Logs. */
export class VpcFlowLogs extends Construct {
  /** The log group. */
  readonly logGroup: CloudwatchLogGroup;
  /** The flow log. */
  readonly flowLog: FlowLog;

  /** @param props see `VpcFlowLogsProps` */
  constructor(scope: Construct, id: string, props: VpcFlowLogsProps) {
    super(scope, id);
    const { identity } = props;
    tagWithIdentity(this, identity);
    const name = resourceName(identity, 'vpc-flow-logs');
    const tags = placementTags(identity, name, { group: 'network' });
    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: `/terratower/${namePrefix(identity)}/vpc-flow-logs`,
      retentionInDays: props.retentionDays ?? 14,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}),
      tags,
    });
    const role = new IamRole(this, 'role', {
      name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
      tags,
    });
    new IamRolePolicy(this, 'policy', {
      name: `${name}-policy`,
      role: role.name,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: [this.logGroup.arn, `${this.logGroup.arn}:*`],
          },
        ],
      }),
    });
    this.flowLog = new FlowLog(this, 'flow-log', {
      vpcId: props.vpcId,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: this.logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags,
    });
  }
}
