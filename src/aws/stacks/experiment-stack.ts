/**
 * `ExperimentStack`: a control and an experimental copy of a pipeline side by side, so a
 * scenario can attack one and compare it with the other. Each copy has its own VPC, names
 * prefixed `<name>-control` / `<name>-experiment`, its own bucket (`<bucket>-control`,
 * `<bucket>-experiment`) and its own stack tag; outputs are prefixed `control_` / `experiment_`.
 */
import { TerraformStack } from '../cdktf.ts';
import type { Construct } from 'constructs';
import { mergeSpec } from '../../spec/defaults.ts';
import { bucketNameProblems, SpecError, specIssues, type SpecIssue } from '../../spec/validate.ts';
import type { PipelineSpec, PipelineSpecInput } from '../../spec/types.ts';
import { AmiCatalog, type AmiIds } from '../constructs/amis.ts';
import type { StackIdentity } from '../constructs/identity.ts';
import { Pipeline } from '../constructs/pipeline.ts';
import { configureBackend, type StateBackend } from './backend.ts';
import { addPipelineOutputs } from './pipeline-stack.ts';
import { addAwsProvider, applyEmulatorWorkarounds, type AwsEndpointOptions } from './provider.ts';
import { checkRunId, DEFAULT_RUN_ID } from './run-id.ts';

/** The two arms of an experiment. */
export type ExperimentArm = 'control' | 'experiment';

/** Props of `ExperimentStack`. */
export interface ExperimentStackProps {
  /** The control pipeline's spec. */
  spec: PipelineSpec;
  /** What the experimental copy changes, merged over `spec` (e.g. another scaling policy). @default nothing: an identical copy */
  experiment?: PipelineSpecInput;
  /** Run id tagged on every resource. @default 'manual' */
  runId?: string;
  /** State backend. @default local, relative path */
  backend?: StateBackend;
  /** AMI ids by role. @default look up by tag */
  amis?: AmiIds;
  /** An emulated AWS (moto server) every service of the provider talks to. @default AWS itself */
  awsEndpoint?: AwsEndpointOptions;
  /** A disposable run: buckets force-destroyed. @default true unless `runId` is the default */
  disposable?: boolean;
}

/**
 * The two specs of an experiment: names and buckets suffixed with the arm, the experimental one
 * with `experiment` overrides applied. Both are validated together.
 * @throws SpecError listing every issue, paths prefixed with the arm (`experiment.kafka.brokers`)
 */
export function experimentSpecs(
  spec: PipelineSpec,
  experiment: PipelineSpecInput = {},
): Record<ExperimentArm, PipelineSpec> {
  const arms: Record<ExperimentArm, PipelineSpec> = {
    control: structuredClone(spec),
    experiment: mergeSpec(spec, experiment),
  };
  const issues: SpecIssue[] = [];
  for (const arm of ['control', 'experiment'] as const) {
    const s = arms[arm];
    issues.push(...specIssues(s).map((i) => ({ path: `${arm}.${i.path}`, message: i.message })));
    const bucket = `${s.dataset.bucket}-${arm}`;
    const problems = bucketNameProblems(bucket);
    if (problems.length > 0) {
      issues.push({
        path: `${arm}.dataset.bucket`,
        message: `the ${arm} copy's bucket "${bucket}" must ${problems.join('; ')}: shorten dataset.bucket to at most ${63 - arm.length - 1} characters`,
      });
    }
    s.dataset = { ...s.dataset, bucket };
  }
  if (issues.length > 0) throw new SpecError(issues);
  return arms;
}

/** Control and experimental pipelines in one stack. */
export class ExperimentStack extends TerraformStack {
  /** The two pipelines. */
  readonly pipelines: Readonly<Record<ExperimentArm, Pipeline>>;
  /** Names and tags of each arm. */
  readonly identities: Readonly<Record<ExperimentArm, StackIdentity>>;

  /** @param props see `ExperimentStackProps` */
  constructor(scope: Construct, id: string, props: ExperimentStackProps) {
    super(scope, id);
    const specs = experimentSpecs(props.spec, props.experiment);
    const runId = checkRunId(props.runId ?? DEFAULT_RUN_ID);
    const identity = (arm: ExperimentArm): StackIdentity => ({
      stackName: `${props.spec.name}-${arm}`,
      runId,
      region: specs[arm].region,
      extraTags: { ...specs[arm].tags, 'terratower:arm': arm },
      ...(props.disposable !== undefined ? { disposable: props.disposable } : {}),
    });
    this.identities = { control: identity('control'), experiment: identity('experiment') };
    if (specs.control.region !== specs.experiment.region) {
      throw new SpecError([
        {
          path: 'experiment.region',
          message: 'both copies must be in one region (one provider): drop the region override',
        },
      ]);
    }
    // default_tags carry project, run id and extra tags (stack tag: this stack's id); every
    // resource overrides the stack tag with its own arm's name.
    addAwsProvider(
      this,
      { ...this.identities.control, stackName: id, extraTags: specs.control.tags },
      props.awsEndpoint,
    );
    configureBackend(this, props.backend);
    const amis = new AmiCatalog(this, 'amis', { amis: props.amis });
    const build = (arm: ExperimentArm): Pipeline =>
      new Pipeline(this, arm, { identity: this.identities[arm], spec: specs[arm], amis });
    this.pipelines = { control: build('control'), experiment: build('experiment') };
    for (const arm of ['control', 'experiment'] as const) {
      addPipelineOutputs(this, this.pipelines[arm], this.identities[arm], `${arm}_`);
    }
    if (props.awsEndpoint) applyEmulatorWorkarounds(this);
  }
}
