/**
 * The account and partition of the deploying credentials, looked up once per stack (data
 * sources: no network at synth), for ARNs such as `arn:aws:ec2:REGION:ACCOUNT:instance/*`.
 */
import { TerraformStack } from '../cdktf.ts';
import { DataAwsCallerIdentity, DataAwsPartition } from '../provider-aws.ts';
import type { Construct } from 'constructs';

/** Account id and partition as Terraform references. */
export interface AwsAccount {
  /** Account id (e.g. `123456789012`). */
  readonly accountId: string;
  /** Partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
}

/** The stack's account and partition, creating the two data sources on first use. */
export function awsAccount(scope: Construct): AwsAccount {
  const stack = TerraformStack.of(scope);
  const identity =
    (stack.node.tryFindChild('aws-caller-identity') as DataAwsCallerIdentity | undefined) ??
    new DataAwsCallerIdentity(stack, 'aws-caller-identity');
  const partition =
    (stack.node.tryFindChild('aws-partition') as DataAwsPartition | undefined) ??
    new DataAwsPartition(stack, 'aws-partition');
  return { accountId: identity.accountId, partition: partition.partition };
}

/** ARN pattern of the stack's EC2 instances in `region` (instance ids are unknown at synth). */
export function instanceArnPattern(scope: Construct, region: string): string {
  const { accountId, partition } = awsAccount(scope);
  return `arn:${partition}:ec2:${region}:${accountId}:instance/*`;
}

/** ARN of the Auto Scaling group `name` in `region` (its uuid part wildcarded: unknown at synth). */
export function autoScalingGroupArn(scope: Construct, region: string, name: string): string {
  const { accountId, partition } = awsAccount(scope);
  return `arn:${partition}:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${name}`;
}
