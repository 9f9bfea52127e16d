/**
 * `DataVolumeSnapshots`: scheduled EBS snapshots of the stateful clusters' data volumes by Data
 * Lifecycle Manager. The policy targets volumes by a run-scoped tag (`terratower:snapshot` =
 * `<stack>[-<run id>]`, which only data volumes carry — never root volumes), keeps the last N
 * snapshots per volume, and tags each snapshot with the run's tags. Its role may snapshot only
 * volumes with that tag and delete only snapshots of this run.
 *
 * Snapshots outlive the stack on purpose (they are the backup); a disposable harness run's sweep
 * deletes them by the run tag.
 */
import { Construct } from '../cdktf.ts';
import { DlmLifecyclePolicy, IamRole, IamRolePolicy } from '../provider-aws.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { commonTags, namePrefix, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';

/** Intervals Data Lifecycle Manager accepts, hours. */
const INTERVALS = [1, 2, 3, 4, 6, 8, 12, 24];

/** Props of `DataVolumeSnapshots`. */
export interface DataVolumeSnapshotsProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Hours between snapshots (1, 2, 3, 4, 6, 8, 12 or 24). @default 24 */
  intervalHours?: number;
  /** Snapshots kept per volume. @default 7 */
  retainCount?: number;
  /** UTC time of day (`HH:MM`) the schedule starts from. @default '03:00' */
  startTime?: string;
}

/** The tag (key → value) that marks a run's data volumes for snapshots. */
export function snapshotTargetTag(identity: StackIdentity): Record<string, string> {
  return { [TAG_KEYS.snapshot]: namePrefix(identity) };
}

/** A DLM snapshot policy for the run's data volumes, with its role. */
export class DataVolumeSnapshots extends Construct {
  /** The lifecycle policy. */
  readonly policy: DlmLifecyclePolicy;
  /** The role DLM assumes. */
  readonly role: IamRole;

  /** @param props see `DataVolumeSnapshotsProps` */
  constructor(scope: Construct, id: string, props: DataVolumeSnapshotsProps) {
    super(scope, id);
    const { identity } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`DataVolumeSnapshots "${id}"`);
    const interval = props.intervalHours ?? 24;
    if (!INTERVALS.includes(interval)) check.fail('intervalHours', interval, `one of ${INTERVALS.join(', ')}`);
    const retain = check.wholeNumber('retainCount', props.retainCount ?? 7, 1, 1000);
    const start = props.startTime ?? '03:00';
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(start)) check.fail('startTime', start, 'a UTC time HH:MM');
    const name = resourceName(identity, 'snapshots');
    const tags = placementTags(identity, name, { group: 'snapshots' });
    const target = snapshotTargetTag(identity);
    this.role = new IamRole(this, 'role', {
      name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'dlm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    });
    new IamRolePolicy(this, 'policy', {
      name: `${name}-policy`,
      role: this.role.name,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            // Describe calls support no resource-level permissions.
            Sid: 'Describe',
            Effect: 'Allow',
            Action: ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSnapshots'],
            Resource: '*',
          },
          {
            Sid: 'SnapshotTaggedDataVolumes',
            Effect: 'Allow',
            Action: ['ec2:CreateSnapshot', 'ec2:CreateSnapshots'],
            Resource: 'arn:aws:ec2:*:*:volume/*',
            Condition: {
              StringEquals: Object.fromEntries(Object.entries(target).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
            },
          },
          {
            Sid: 'CreateAndTagSnapshots',
            Effect: 'Allow',
            Action: ['ec2:CreateSnapshot', 'ec2:CreateSnapshots', 'ec2:CreateTags'],
            Resource: 'arn:aws:ec2:*::snapshot/*',
          },
          {
            Sid: 'DeleteOwnSnapshots',
            Effect: 'Allow',
            Action: ['ec2:DeleteSnapshot'],
            Resource: 'arn:aws:ec2:*::snapshot/*',
            Condition: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.runId}`]: identity.runId } },
          },
        ],
      }),
    });
    this.policy = new DlmLifecyclePolicy(this, 'policy-dlm', {
      description: `data volumes of ${namePrefix(identity)}`.slice(0, 500),
      executionRoleArn: this.role.arn,
      state: 'ENABLED',
      policyDetails: {
        policyType: 'EBS_SNAPSHOT_MANAGEMENT',
        resourceTypes: ['VOLUME'],
        targetTags: target,
        schedule: [
          {
            name: `every ${interval} h, keep ${retain}`,
            copyTags: true,
            createRule: { interval, intervalUnit: 'HOURS', times: [start] },
            retainRule: { count: retain },
            tagsToAdd: { ...commonTags(identity), [TAG_KEYS.group]: 'snapshots' },
          },
        ],
      },
      tags,
    });
  }
}
