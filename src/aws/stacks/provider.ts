/**
 * The AWS provider of a terratower stack: region, default tags, the provider source written
 * fully qualified (`hashicorp/aws`) so Terraform and OpenTofu resolve the same provider, the
 * version constraint of the provider we test with, and — for an emulated AWS such as a moto
 * server, the way `tflocal` points at LocalStack — one endpoint for every service the stack uses.
 */
import type { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { AwsProvider, Instance } from '../provider-aws.ts';
import type { AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider/index.js';
import { commonTags, type StackIdentity } from '../constructs/identity.ts';

/** Fully qualified source of the AWS provider. */
export const AWS_PROVIDER_SOURCE = 'hashicorp/aws';

/**
 * Version constraint written into every stack. The provider this project is tested with is
 * `hashicorp/aws` 5.100.0 (validate, plan, apply and destroy against moto in the integration
 * tier). The TypeScript bindings (@cdktf/provider-aws 21.x) were generated from provider 6.x,
 * but the JSON our constructs write uses only arguments that 5.100 accepts: the integration
 * test runs `terraform validate` and `apply` on 5.100.0, which is what this constraint admits.
 */
export const AWS_PROVIDER_CONSTRAINT = '~> 5.100';

/** The provider version the integration tier runs (found in the plugin dir, e.g. /opt/tf-plugins). */
export const AWS_PROVIDER_TESTED_VERSION = '5.100.0';

/**
 * Services a terratower stack talks to, by the provider's `endpoints` key. Each resource type
 * the constructs create maps to one of them (`AWS_SERVICE_OF_TYPE`, checked by a unit test).
 */
export const AWS_STACK_SERVICES = [
  'autoscaling',
  'cloudwatch',
  'dlm',
  'ec2',
  'elbv2',
  'iam',
  'kms',
  'logs',
  's3',
  'secretsmanager',
  'sns',
  'ssm',
  'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

/** A service of `AWS_STACK_SERVICES`. */
export type AwsStackService = (typeof AWS_STACK_SERVICES)[number];

/** Resource / data source type prefix → the service whose endpoint it calls. */
export const AWS_SERVICE_OF_TYPE: ReadonlyArray<readonly [prefix: string, service: AwsStackService]> = [
  ['aws_autoscaling_', 'autoscaling'],
  ['aws_cloudwatch_log_', 'logs'],
  ['aws_cloudwatch_metric_alarm', 'cloudwatch'],
  ['aws_dlm_', 'dlm'],
  ['aws_lb', 'elbv2'],
  ['aws_iam_', 'iam'],
  ['aws_kms_', 'kms'],
  ['aws_s3_', 's3'],
  ['aws_secretsmanager_', 'secretsmanager'],
  ['aws_sns_', 'sns'],
  ['aws_ssm_', 'ssm'],
  ['aws_caller_identity', 'sts'],
  ['aws_partition', 'sts'],
  // Everything EC2 and VPC: instances, launch templates, volumes, subnets, gateways, ACLs, …
  ['aws_', 'ec2'],
];

/** The service a resource or data source type calls (the first matching prefix). */
export function awsServiceOfType(type: string): AwsStackService | undefined {
  return AWS_SERVICE_OF_TYPE.find(([prefix]) => type.startsWith(prefix))?.[1];
}

/**
 * An emulated AWS API (moto server, LocalStack): every service at one URL, with test
 * credentials and none of the checks that need real AWS.
 */
export interface AwsEndpointOptions {
  /** Base URL of the emulator, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Access key the provider signs with. @default 'testing' */
  accessKeyId?: string;
  /** Secret key. @default 'testing' */
  secretAccessKey?: string;
}

/** Check an endpoint URL: http(s), host, no path. @throws Error naming the value and the fix */
export function checkEndpointUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`AWS endpoint "${url}" is not a URL: give one such as http://127.0.0.1:5000`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.pathname.length > 1) {
    throw new Error(`AWS endpoint "${url}" must be http(s)://host:port with no path, e.g. http://127.0.0.1:5000`);
  }
  return url.replace(/\/$/, '');
}

/** The provider arguments that point every service at an emulator. */
export function emulatedAwsArguments(endpoint: AwsEndpointOptions): {
  accessKey: string;
  secretKey: string;
  skipCredentialsValidation: boolean;
  skipRequestingAccountId: boolean;
  skipMetadataApiCheck: string;
  s3UsePathStyle: boolean;
  endpoints: AwsProviderEndpoints[];
} {
  const url = checkEndpointUrl(endpoint.url);
  return {
    accessKey: endpoint.accessKeyId ?? 'testing',
    secretKey: endpoint.secretAccessKey ?? 'testing',
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    s3UsePathStyle: true,
    endpoints: [Object.fromEntries(AWS_STACK_SERVICES.map((s) => [s, url])) as AwsProviderEndpoints],
  };
}

/**
 * Add the AWS provider with `identity`'s region and common tags as default_tags, the tested
 * version constraint, and — when `endpoint` is given — every service pointed at it.
 */
export function addAwsProvider(
  stack: TerraformStack,
  identity: StackIdentity,
  endpoint?: AwsEndpointOptions,
): AwsProvider {
  const provider = new AwsProvider(stack, 'aws', {
    region: identity.region,
    defaultTags: [{ tags: commonTags(identity) }],
    ...(endpoint ? emulatedAwsArguments(endpoint) : {}),
  });
  stack.addOverride('terraform.required_providers.aws.source', AWS_PROVIDER_SOURCE);
  stack.addOverride('terraform.required_providers.aws.version', AWS_PROVIDER_CONSTRAINT);
  return provider;
}

/**
 * Work around what an emulated AWS lacks, on a stack pointed at one (never on AWS). moto 5.2.5
 * answers `MonitorInstances` with HTTP 500 (`NotImplementedError`): with `monitoring = true` an
 * `aws_instance` calls it after launch and the provider retries it until the create timeout
 * (the monitoring instance stayed "Still creating" for 9 minutes). Detailed monitoring is off
 * on instances there; launch templates keep it (moto's Auto Scaling launches without the call).
 */
export function applyEmulatorWorkarounds(stack: TerraformStack): void {
  const visit = (node: IConstruct): void => {
    if (node instanceof Instance) node.addOverride('monitoring', false);
    for (const child of node.node.children) visit(child);
  };
  visit(stack);
}
