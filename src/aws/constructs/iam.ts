/**
 * `InstanceIamRole`: an EC2 role + instance profile whose inline policy lists exactly the
 * statements its users add. Statements may be added after construction (the policy document
 * is produced at synth), so a fleet can be granted access to resources made later.
 */
import { Construct, Lazy } from '../cdktf.ts';
import { IamInstanceProfile, IamRole, IamRolePolicy } from '../provider-aws.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { instanceArnPattern } from './aws-account.ts';
import { placementTags, type Placement, type StackIdentity } from './identity.ts';
import { tagWithIdentity } from './tagging.ts';

/** One IAM policy statement. */
export interface PolicyStatement {
  /** Statement id (letters and digits). */
  sid: string;
  /** Actions, e.g. `s3:GetObject`. */
  actions: string[];
  /** Resource ARNs. `*` only where the actions support no resource-level permissions. */
  resources: string[];
  /** IAM conditions: operator → key → value(s). */
  conditions?: Record<string, Record<string, string | string[]>>;
}

/** Props of `InstanceIamRole`. */
export interface InstanceRoleProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Role name (≤ 64 chars), also the instance profile's name. */
  name: string;
  /** Group (and zone) the role serves, for its tags. */
  placement: Placement;
  /** Initial statements. @default none */
  statements?: PolicyStatement[];
}

/** An EC2 instance role with an inline policy and an instance profile. */
export class InstanceIamRole extends Construct {
  /** The IAM role. */
  readonly role: IamRole;
  /** The instance profile launch templates refer to. */
  readonly instanceProfile: IamInstanceProfile;
  /** The statements of the inline policy, in order. */
  readonly statements: PolicyStatement[] = [];

  /** @param props see `InstanceRoleProps` */
  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    this.statements.push(...(props.statements ?? []));
    tagWithIdentity(this, props.identity);
    const tags = placementTags(props.identity, props.name, props.placement);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    });
    new IamRolePolicy(this, 'policy', {
      name: `${props.name}-policy`,
      role: this.role.name,
      policy: Lazy.stringValue({ produce: () => this.policyDocument() }),
    });
    this.instanceProfile = new IamInstanceProfile(this, 'profile', { name: props.name, role: this.role.name, tags });
  }

  /** Add statements to the inline policy. */
  addStatements(...statements: PolicyStatement[]): void {
    this.statements.push(...statements);
  }

  /** The inline policy document as JSON. */
  policyDocument(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Statement: this.statements.map((s) => ({
        Sid: s.sid,
        Effect: 'Allow',
        Action: s.actions,
        Resource: s.resources,
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    });
  }
}

/**
 * Statements for CloudWatch PutMetricData limited to one namespace. PutMetricData supports no
 * resource ARNs, so the resource is `*` and the `cloudwatch:namespace` condition scopes it.
 */
export function putMetricDataStatement(namespace: string): PolicyStatement {
  return {
    sid: 'PutMetricsInOwnNamespace',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  };
}

/**
 * The equivalent of AmazonSSMManagedInstanceCore, scoped: the instance may register only
 * itself (instances of this stack), so the harness can open Session Manager port forwards and
 * send Run Command documents (the FIS fault `AWSFIS-Run-CPU-Stress`) to it.
 * The `ssmmessages:*` and `ec2messages:*` channel actions support no resource ARNs (AWS
 * documents `*` for them).
 */
export function ssmManagedInstanceStatements(scope: Construct, identity: StackIdentity): PolicyStatement[] {
  return [
    {
      sid: 'SsmRegisterThisStacksInstances',
      actions: ['ssm:UpdateInstanceInformation', 'ssm:ListInstanceAssociations', 'ssm:DescribeInstanceProperties'],
      resources: [instanceArnPattern(scope, identity.region)],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${TAG_KEYS.stack}`]: identity.stackName,
          [`aws:ResourceTag/${TAG_KEYS.runId}`]: identity.runId,
        },
      },
    },
    {
      sid: 'SsmSessionChannels',
      actions: [
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
        'ec2messages:AcknowledgeMessage',
        'ec2messages:DeleteMessage',
        'ec2messages:FailMessage',
        'ec2messages:GetEndpoint',
        'ec2messages:GetMessages',
        'ec2messages:SendReply',
      ],
      resources: ['*'],
    },
  ];
}
