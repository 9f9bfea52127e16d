/**
 * The AWS provider classes src/aws constructs, loaded with `require` (types from `import type`,
 * so each name is both the class and its instance type). @cdktf/provider-aws is CommonJS in a
 * package without a `"type"` field: an ESM `import` of one of its modules makes Node detect the
 * module's format and run cjs-module-lexer over it for its named exports before it loads it the
 * CommonJS way. For the 41 modules below that was about 200 ms against about 60 ms with
 * `require` on the 2-core development machine (issue #13; `npm run bench:package` measures the
 * synth). Add a class here, one deep path per module, and import it from this module; a
 * type-only name (a props or block interface) may stay an `import type` from the deep path.
 */
import { createRequire } from 'node:module';
import type * as autoscalingGroup from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import type * as autoscalingPolicy from '@cdktf/provider-aws/lib/autoscaling-policy/index.js';
import type * as autoscalingSchedule from '@cdktf/provider-aws/lib/autoscaling-schedule/index.js';
import type * as cloudwatchLogGroup from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import type * as cloudwatchMetricAlarm from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import type * as dataAwsAmi from '@cdktf/provider-aws/lib/data-aws-ami/index.js';
import type * as dataAwsCallerIdentity from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import type * as dataAwsPartition from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import type * as dataAwsSecretsmanagerRandomPassword from '@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password/index.js';
import type * as defaultSecurityGroup from '@cdktf/provider-aws/lib/default-security-group/index.js';
import type * as dlmLifecyclePolicy from '@cdktf/provider-aws/lib/dlm-lifecycle-policy/index.js';
import type * as ebsVolume from '@cdktf/provider-aws/lib/ebs-volume/index.js';
import type * as eip from '@cdktf/provider-aws/lib/eip/index.js';
import type * as flowLog from '@cdktf/provider-aws/lib/flow-log/index.js';
import type * as iamInstanceProfile from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import type * as iamRolePolicy from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type * as iamRole from '@cdktf/provider-aws/lib/iam-role/index.js';
import type * as instance from '@cdktf/provider-aws/lib/instance/index.js';
import type * as internetGateway from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import type * as launchTemplate from '@cdktf/provider-aws/lib/launch-template/index.js';
import type * as natGateway from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import type * as networkInterface from '@cdktf/provider-aws/lib/network-interface/index.js';
import type * as provider from '@cdktf/provider-aws/lib/provider/index.js';
import type * as routeTableAssociation from '@cdktf/provider-aws/lib/route-table-association/index.js';
import type * as routeTable from '@cdktf/provider-aws/lib/route-table/index.js';
import type * as s3BucketLifecycleConfiguration from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import type * as s3BucketOwnershipControls from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import type * as s3BucketPolicy from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import type * as s3BucketPublicAccessBlock from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import type * as s3BucketServerSideEncryptionConfiguration from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import type * as s3BucketVersioning from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import type * as s3Bucket from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import type * as secretsmanagerSecretVersion from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import type * as secretsmanagerSecret from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import type * as securityGroup from '@cdktf/provider-aws/lib/security-group/index.js';
import type * as snsTopic from '@cdktf/provider-aws/lib/sns-topic/index.js';
import type * as subnet from '@cdktf/provider-aws/lib/subnet/index.js';
import type * as vpcEndpoint from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import type * as vpcSecurityGroupEgressRule from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import type * as vpcSecurityGroupIngressRule from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type * as vpc from '@cdktf/provider-aws/lib/vpc/index.js';

const require = createRequire(import.meta.url);

/**
 * A provider class whose module loads on first use (`new`, a static member, `instanceof`): for the
 * resources that only some spec options create (alarms, schedules, secrets, snapshots, flow
 * logs), so a stack without them does not load their modules (about 12 ms of `terratower synth`'s
 * 360 on the development machine). Nothing subclasses these classes.
 */
function lazyClass<C extends abstract new (...args: never[]) => unknown>(load: () => C): C {
  let loaded: C | undefined;
  const real = (): C => {
    loaded ??= load();
    return loaded;
  };
  return new Proxy(function notLoadedYet() {} as unknown as C, {
    construct: (_target, args) => Reflect.construct(real() as unknown as new (...a: unknown[]) => object, args),
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
  });
}

export const { AutoscalingGroup } =
  require('@cdktf/provider-aws/lib/autoscaling-group/index.js') as typeof autoscalingGroup;
export type AutoscalingGroup = autoscalingGroup.AutoscalingGroup;
export const { AutoscalingPolicy } =
  require('@cdktf/provider-aws/lib/autoscaling-policy/index.js') as typeof autoscalingPolicy;
export type AutoscalingPolicy = autoscalingPolicy.AutoscalingPolicy;
export const AutoscalingSchedule = lazyClass(
  () =>
    (require('@cdktf/provider-aws/lib/autoscaling-schedule/index.js') as typeof autoscalingSchedule)
      .AutoscalingSchedule,
);
export type AutoscalingSchedule = autoscalingSchedule.AutoscalingSchedule;
export const { CloudwatchLogGroup } =
  require('@cdktf/provider-aws/lib/cloudwatch-log-group/index.js') as typeof cloudwatchLogGroup;
export type CloudwatchLogGroup = cloudwatchLogGroup.CloudwatchLogGroup;
export const CloudwatchMetricAlarm = lazyClass(
  () =>
    (require('@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js') as typeof cloudwatchMetricAlarm)
      .CloudwatchMetricAlarm,
);
export type CloudwatchMetricAlarm = cloudwatchMetricAlarm.CloudwatchMetricAlarm;
export const { DataAwsAmi } = require('@cdktf/provider-aws/lib/data-aws-ami/index.js') as typeof dataAwsAmi;
export type DataAwsAmi = dataAwsAmi.DataAwsAmi;
export const { DataAwsCallerIdentity } =
  require('@cdktf/provider-aws/lib/data-aws-caller-identity/index.js') as typeof dataAwsCallerIdentity;
export type DataAwsCallerIdentity = dataAwsCallerIdentity.DataAwsCallerIdentity;
export const { DataAwsPartition } =
  require('@cdktf/provider-aws/lib/data-aws-partition/index.js') as typeof dataAwsPartition;
export type DataAwsPartition = dataAwsPartition.DataAwsPartition;
export const DataAwsSecretsmanagerRandomPassword = lazyClass(
  () =>
    (
      require('@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password/index.js') as typeof dataAwsSecretsmanagerRandomPassword
    ).DataAwsSecretsmanagerRandomPassword,
);
export type DataAwsSecretsmanagerRandomPassword =
  dataAwsSecretsmanagerRandomPassword.DataAwsSecretsmanagerRandomPassword;
export const { DefaultSecurityGroup } =
  require('@cdktf/provider-aws/lib/default-security-group/index.js') as typeof defaultSecurityGroup;
export type DefaultSecurityGroup = defaultSecurityGroup.DefaultSecurityGroup;
export const DlmLifecyclePolicy = lazyClass(
  () =>
    (require('@cdktf/provider-aws/lib/dlm-lifecycle-policy/index.js') as typeof dlmLifecyclePolicy).DlmLifecyclePolicy,
);
export type DlmLifecyclePolicy = dlmLifecyclePolicy.DlmLifecyclePolicy;
export const { EbsVolume } = require('@cdktf/provider-aws/lib/ebs-volume/index.js') as typeof ebsVolume;
export type EbsVolume = ebsVolume.EbsVolume;
export const { Eip } = require('@cdktf/provider-aws/lib/eip/index.js') as typeof eip;
export type Eip = eip.Eip;
export const FlowLog = lazyClass(
  () => (require('@cdktf/provider-aws/lib/flow-log/index.js') as typeof flowLog).FlowLog,
);
export type FlowLog = flowLog.FlowLog;
export const { IamInstanceProfile } =
  require('@cdktf/provider-aws/lib/iam-instance-profile/index.js') as typeof iamInstanceProfile;
export type IamInstanceProfile = iamInstanceProfile.IamInstanceProfile;
export const { IamRolePolicy } = require('@cdktf/provider-aws/lib/iam-role-policy/index.js') as typeof iamRolePolicy;
export type IamRolePolicy = iamRolePolicy.IamRolePolicy;
export const { IamRole } = require('@cdktf/provider-aws/lib/iam-role/index.js') as typeof iamRole;
export type IamRole = iamRole.IamRole;
export const { Instance } = require('@cdktf/provider-aws/lib/instance/index.js') as typeof instance;
export type Instance = instance.Instance;
export const { InternetGateway } =
  require('@cdktf/provider-aws/lib/internet-gateway/index.js') as typeof internetGateway;
export type InternetGateway = internetGateway.InternetGateway;
export const { LaunchTemplate } = require('@cdktf/provider-aws/lib/launch-template/index.js') as typeof launchTemplate;
export type LaunchTemplate = launchTemplate.LaunchTemplate;
export const { NatGateway } = require('@cdktf/provider-aws/lib/nat-gateway/index.js') as typeof natGateway;
export type NatGateway = natGateway.NatGateway;
export const { NetworkInterface } =
  require('@cdktf/provider-aws/lib/network-interface/index.js') as typeof networkInterface;
export type NetworkInterface = networkInterface.NetworkInterface;
export const { AwsProvider } = require('@cdktf/provider-aws/lib/provider/index.js') as typeof provider;
export type AwsProvider = provider.AwsProvider;
export const { RouteTableAssociation } =
  require('@cdktf/provider-aws/lib/route-table-association/index.js') as typeof routeTableAssociation;
export type RouteTableAssociation = routeTableAssociation.RouteTableAssociation;
export const { RouteTable } = require('@cdktf/provider-aws/lib/route-table/index.js') as typeof routeTable;
export type RouteTable = routeTable.RouteTable;
export const { S3BucketLifecycleConfiguration } =
  require('@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js') as typeof s3BucketLifecycleConfiguration;
export type S3BucketLifecycleConfiguration = s3BucketLifecycleConfiguration.S3BucketLifecycleConfiguration;
export const { S3BucketOwnershipControls } =
  require('@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js') as typeof s3BucketOwnershipControls;
export type S3BucketOwnershipControls = s3BucketOwnershipControls.S3BucketOwnershipControls;
export const { S3BucketPolicy } = require('@cdktf/provider-aws/lib/s3-bucket-policy/index.js') as typeof s3BucketPolicy;
export type S3BucketPolicy = s3BucketPolicy.S3BucketPolicy;
export const { S3BucketPublicAccessBlock } =
  require('@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js') as typeof s3BucketPublicAccessBlock;
export type S3BucketPublicAccessBlock = s3BucketPublicAccessBlock.S3BucketPublicAccessBlock;
export const { S3BucketServerSideEncryptionConfigurationA } =
  require('@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js') as typeof s3BucketServerSideEncryptionConfiguration;
export type S3BucketServerSideEncryptionConfigurationA =
  s3BucketServerSideEncryptionConfiguration.S3BucketServerSideEncryptionConfigurationA;
export const { S3BucketVersioningA } =
  require('@cdktf/provider-aws/lib/s3-bucket-versioning/index.js') as typeof s3BucketVersioning;
export type S3BucketVersioningA = s3BucketVersioning.S3BucketVersioningA;
export const { S3Bucket } = require('@cdktf/provider-aws/lib/s3-bucket/index.js') as typeof s3Bucket;
export type S3Bucket = s3Bucket.S3Bucket;
export const SecretsmanagerSecretVersion = lazyClass(
  () =>
    (require('@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js') as typeof secretsmanagerSecretVersion)
      .SecretsmanagerSecretVersion,
);
export type SecretsmanagerSecretVersion = secretsmanagerSecretVersion.SecretsmanagerSecretVersion;
export const SecretsmanagerSecret = lazyClass(
  () =>
    (require('@cdktf/provider-aws/lib/secretsmanager-secret/index.js') as typeof secretsmanagerSecret)
      .SecretsmanagerSecret,
);
export type SecretsmanagerSecret = secretsmanagerSecret.SecretsmanagerSecret;
export const { SecurityGroup } = require('@cdktf/provider-aws/lib/security-group/index.js') as typeof securityGroup;
export type SecurityGroup = securityGroup.SecurityGroup;
export const SnsTopic = lazyClass(
  () => (require('@cdktf/provider-aws/lib/sns-topic/index.js') as typeof snsTopic).SnsTopic,
);
export type SnsTopic = snsTopic.SnsTopic;
export const { Subnet } = require('@cdktf/provider-aws/lib/subnet/index.js') as typeof subnet;
export type Subnet = subnet.Subnet;
export const { VpcEndpoint } = require('@cdktf/provider-aws/lib/vpc-endpoint/index.js') as typeof vpcEndpoint;
export type VpcEndpoint = vpcEndpoint.VpcEndpoint;
export const { VpcSecurityGroupEgressRule } =
  require('@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js') as typeof vpcSecurityGroupEgressRule;
export type VpcSecurityGroupEgressRule = vpcSecurityGroupEgressRule.VpcSecurityGroupEgressRule;
export const { VpcSecurityGroupIngressRule } =
  require('@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js') as typeof vpcSecurityGroupIngressRule;
export type VpcSecurityGroupIngressRule = vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule;
export const { Vpc } = require('@cdktf/provider-aws/lib/vpc/index.js') as typeof vpc;
export type Vpc = vpc.Vpc;
