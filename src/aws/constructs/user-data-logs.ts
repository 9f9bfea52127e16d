/**
 * `UserDataLogs`: the run's log group for what instances print while they boot — user data's own
 * log and cloud-init's output, one stream per instance and file (`<instance id>/user-data`),
 * shipped by the small loop user data installs (`logShipping` in user-data.ts). Kept for a set
 * number of days, encrypted with the run's logs key when one is given; instance roles may write
 * to this group only (`writeStatement`).
 */
import { Construct } from '../cdktf.ts';
import { CloudwatchLogGroup } from '../provider-aws.ts';
import type { PolicyStatement } from './iam.ts';
import { namePrefix, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `UserDataLogs`. */
export interface UserDataLogsProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Days the group keeps events (a CloudWatch Logs retention value). @default 30 */
  retentionDays?: number;
  /** KMS key (ARN) encrypting the group. @default CloudWatch Logs' own encryption */
  kmsKeyArn?: string;
}

/** The run's user-data log group. */
export class UserDataLogs extends Construct {
  /** The log group. */
  readonly logGroup: CloudwatchLogGroup;
  /** Its name, known at synth: `/terratower/<stack>[-<run id>]/user-data`. */
  readonly logGroupName: string;

  /** @param props see `UserDataLogsProps` */
  constructor(scope: Construct, id: string, props: UserDataLogsProps) {
    super(scope, id);
    const { identity } = props;
    tagWithIdentity(this, identity);
    if (props.retentionDays !== undefined)
      new PropsCheck(`UserDataLogs "${id}"`).wholeNumber('retentionDays', props.retentionDays, 1, 3653);
    this.logGroupName = `/terratower/${namePrefix(identity)}/user-data`;
    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: this.logGroupName,
      retentionInDays: props.retentionDays ?? 30,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}),
      tags: placementTags(identity, resourceName(identity, 'user-data'), { group: 'monitoring' }),
    });
  }

  /** What an instance role needs to ship its logs here: streams and events in this group only. */
  writeStatement(): PolicyStatement {
    return {
      sid: 'ShipUserDataLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.arn, `${this.logGroup.arn}:log-stream:*`],
    };
  }
}
