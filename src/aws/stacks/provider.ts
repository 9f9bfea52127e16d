/**
 * The AWS provider of a terratower stack: region, default tags, and the provider source written
 * fully qualified (`hashicorp/aws`), so Terraform and OpenTofu resolve the same provider.
 */
import type { TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { commonTags, type StackIdentity } from '../constructs/identity.ts';

/** Fully qualified source of the AWS provider. */
export const AWS_PROVIDER_SOURCE = 'hashicorp/aws';

/** Add the AWS provider with `identity`'s region and common tags as default_tags. */
export function addAwsProvider(stack: TerraformStack, identity: StackIdentity): AwsProvider {
  const provider = new AwsProvider(stack, 'aws', {
    region: identity.region,
    defaultTags: [{ tags: commonTags(identity) }],
  });
  stack.addOverride('terraform.required_providers.aws.source', AWS_PROVIDER_SOURCE);
  return provider;
}
