/**
 * `PipelineStack`: one pipeline from a spec — AWS provider (region, default tags, source
 * `hashicorp/aws`), a state backend, the `Pipeline` construct, and the Terraform outputs a
 * harness reads (same shape as `PipelineEndpoints` in src/model/target.ts).
 */
import { TerraformOutput, TerraformStack } from '../cdktf.ts';
import type { Construct } from 'constructs';
import { validateSpec } from '../../spec/validate.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import { AmiCatalog, type AmiIds } from '../constructs/amis.ts';
import type { StackIdentity } from '../constructs/identity.ts';
import { Pipeline } from '../constructs/pipeline.ts';
import { configureBackend, type StateBackend } from './backend.ts';
import { addAwsProvider, applyEmulatorWorkarounds, type AwsEndpointOptions } from './provider.ts';
import { checkRunId, DEFAULT_RUN_ID } from './run-id.ts';

/** Props of `PipelineStack`. */
export interface PipelineStackProps {
  /** The pipeline spec; validated here (throws `SpecError` listing every issue). */
  spec: PipelineSpec;
  /** Run id tagged on every resource. @default 'manual' */
  runId?: string;
  /** State backend. @default local, `terraform.tfstate` relative to the stack directory */
  backend?: StateBackend;
  /** AMI ids by role (e.g. from a Packer manifest). @default look up by the `terratower:role` tag */
  amis?: AmiIds;
  /** An emulated AWS (moto server) every service of the provider talks to. @default AWS itself */
  awsEndpoint?: AwsEndpointOptions;
  /**
   * A disposable run (the harness deploys and destroys it): the dataset bucket is
   * force-destroyed with its objects. @default true unless `runId` is the default ('manual')
   */
  disposable?: boolean;
}

/** Terraform output names of a pipeline (prefixed in `ExperimentStack`). */
export const PIPELINE_OUTPUTS = {
  bucket: 'bucket',
  s3Endpoint: 's3_endpoint',
  datasetPrefix: 'dataset_prefix',
  kafkaBootstrap: 'kafka_bootstrap',
  cassandraContactPoints: 'cassandra_contact_points',
  asgNames: 'asg_names',
  privateSubnetIds: 'private_subnet_ids',
  publicSubnetIds: 'public_subnet_ids',
  vpcId: 'vpc_id',
  region: 'region',
  runId: 'run_id',
  stackName: 'stack_name',
  monitoringInstanceId: 'monitoring_instance_id',
} as const;

/** Add a pipeline's outputs to `stack`, each name prefixed with `prefix`. */
export function addPipelineOutputs(
  stack: TerraformStack,
  pipeline: Pipeline,
  identity: StackIdentity,
  prefix = '',
): void {
  const out = (name: string, value: unknown, description: string): void => {
    new TerraformOutput(stack, `${prefix}${name}`, { value, description });
  };
  out(PIPELINE_OUTPUTS.bucket, pipeline.dataset.bucketName, 'dataset bucket');
  out(PIPELINE_OUTPUTS.s3Endpoint, '', "S3 endpoint URL: empty on AWS (the region's endpoint)");
  out(PIPELINE_OUTPUTS.datasetPrefix, pipeline.spec.dataset.prefix, 'dataset key prefix');
  out(PIPELINE_OUTPUTS.kafkaBootstrap, pipeline.kafka.bootstrapServers, 'Kafka bootstrap servers, ip:port');
  out(PIPELINE_OUTPUTS.cassandraContactPoints, pipeline.cassandra.contactPoints, 'Cassandra contact points, ip:port');
  out(PIPELINE_OUTPUTS.asgNames, pipeline.asgNamesByGroup, 'group → Auto Scaling group names');
  out(PIPELINE_OUTPUTS.privateSubnetIds, pipeline.privateSubnetIdsByZone, 'zone → private subnet id');
  out(PIPELINE_OUTPUTS.publicSubnetIds, pipeline.publicSubnetIdsByZone, 'zone → public subnet id');
  out(PIPELINE_OUTPUTS.vpcId, pipeline.network.vpcId, 'VPC id');
  out(PIPELINE_OUTPUTS.region, identity.region, 'AWS region');
  out(PIPELINE_OUTPUTS.runId, identity.runId, 'run id tagged on every resource');
  out(PIPELINE_OUTPUTS.stackName, identity.stackName, 'name prefix and stack tag of every resource');
  if (pipeline.monitoring) {
    out(
      PIPELINE_OUTPUTS.monitoringInstanceId,
      pipeline.monitoring.instance.id,
      'monitoring instance (Session Manager port forward to 3000/9090)',
    );
  }
}

/** A stack with one pipeline. */
export class PipelineStack extends TerraformStack {
  /** The pipeline. */
  readonly pipeline: Pipeline;
  /** Names and tags of the stack's resources. */
  readonly identity: StackIdentity;

  /** @param props see `PipelineStackProps` */
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id);
    const spec = validateSpec(props.spec);
    this.identity = {
      stackName: spec.name,
      runId: checkRunId(props.runId ?? DEFAULT_RUN_ID),
      region: spec.region,
      extraTags: spec.tags,
      ...(props.disposable !== undefined ? { disposable: props.disposable } : {}),
    };
    addAwsProvider(this, this.identity, props.awsEndpoint);
    configureBackend(this, props.backend);
    const amis = new AmiCatalog(this, 'amis', { amis: props.amis });
    this.pipeline = new Pipeline(this, 'pipeline', { identity: this.identity, spec, amis });
    addPipelineOutputs(this, this.pipeline, this.identity);
    if (props.awsEndpoint) applyEmulatorWorkarounds(this);
  }
}
