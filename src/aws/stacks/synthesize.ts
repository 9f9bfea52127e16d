/**
 * Synthesize terratower stacks into an output directory: `<outdir>/stacks/<stack>/cdk.tf.json`.
 * Used by `main.ts` (cdktf's app entry) and `terratower synth`. The spec is validated before any
 * construct exists, so a bad spec writes nothing.
 */
import { App, type TerraformStack } from '../cdktf.ts';
import { join } from 'node:path';
import type { PipelineSpec, PipelineSpecInput } from '../../spec/types.ts';
import { validateSpec } from '../../spec/validate.ts';
import type { AmiIds } from '../constructs/amis.ts';
import type { StateBackend } from './backend.ts';
import { withoutCreationStacks } from './creation-stacks.ts';
import type { AwsEndpointOptions } from './provider.ts';
import { experimentSpecs, ExperimentStack } from './experiment-stack.ts';
import { PipelineStack } from './pipeline-stack.ts';

/** What to synthesize. */
export interface SynthOptions {
  /** The (control) pipeline spec. */
  spec: PipelineSpec;
  /** Output directory. @default 'cdktf.out' */
  outdir?: string;
  /** Synthesize an `ExperimentStack` (control + experiment) instead of a `PipelineStack`. @default false */
  experiment?: boolean;
  /** Overrides for the experimental copy. @default none */
  experimentOverrides?: PipelineSpecInput;
  /** Run id. @default 'manual' */
  runId?: string;
  /** State backend. @default local, relative */
  backend?: StateBackend;
  /** AMI ids by role. @default tag lookup */
  amis?: AmiIds;
  /** An emulated AWS (moto server) the provider talks to. @default AWS itself */
  awsEndpoint?: AwsEndpointOptions;
  /** A disposable run (buckets force-destroyed). @default true unless the run id is the default */
  disposable?: boolean;
}

/** What was written. */
export interface SynthResult {
  /** Stack id. */
  stack: string;
  /** Path of the stack's `cdk.tf.json`. */
  file: string;
}

/** Stack id of a spec's pipeline stack, or of its experiment stack. */
export function stackIdFor(spec: PipelineSpec, experiment = false): string {
  return experiment ? `${spec.name}-experiment-pair` : spec.name;
}

/**
 * cdktf resolves every element of a stack twice: a preparing pass, which exists for references
 * between stacks (it may add outputs and remote-state sources to them), and the pass that writes
 * cdk.tf.json. `synthesize` builds an app of exactly one stack from plain data (the spec, strings),
 * where the preparing pass finds nothing to add, so it is skipped: about a tenth of `terratower
 * synth` (bench/package.ts). The output is the same bytes as cdktf's full path
 * (test/unit/synth-single-stack.test.ts). A user's own app keeps both passes.
 */
function withoutPreparingPass(stack: TerraformStack): void {
  stack.prepareStack = () => {
    stack.ensureBackendExists();
  };
}

/**
 * Validate, build and synthesize the stack.
 * @throws SpecError before anything is written when the spec (or run id) is invalid
 */
export function synthesize(options: SynthOptions): SynthResult {
  const outdir = options.outdir ?? 'cdktf.out';
  const { spec } = options;
  if (options.experiment) experimentSpecs(spec, options.experimentOverrides);
  else validateSpec(spec);
  const stack = stackIdFor(spec, options.experiment);
  const common = {
    runId: options.runId,
    backend: options.backend,
    amis: options.amis,
    awsEndpoint: options.awsEndpoint,
    disposable: options.disposable,
  };
  withoutCreationStacks(() => {
    const app = new App({ outdir, skipValidation: false });
    const built = options.experiment
      ? new ExperimentStack(app, stack, { spec, experiment: options.experimentOverrides, ...common })
      : new PipelineStack(app, stack, { spec, ...common });
    withoutPreparingPass(built);
    app.synth();
  });
  return { stack, file: join(outdir, 'stacks', stack, 'cdk.tf.json') };
}
