/**
 * `terratower synth [--spec FILE] [--out DIR] [--experiment] [--run-id ID]`: validate a spec
 * (JSON or YAML, merged over the defaults) and write `<out>/stacks/<stack>/cdk.tf.json`. A bad
 * spec prints every issue with its path and exits 1 before anything is written.
 */
import { dirname } from 'node:path';
import { withSourceMapsOff } from '../aws/stacks/source-maps.ts';
import { outputDir, parseCommandArgs, runIdFlag } from './args.ts';
import type { Command } from './command.ts';

const USAGE = `usage: terratower synth [--spec FILE] [--out DIR] [--experiment] [--run-id ID]

  --spec FILE     pipeline spec, JSON or YAML, merged over the defaults (default: the default spec)
  --out DIR       output directory (default: cdktf.out)
  --experiment    synthesize a control + experiment stack instead of one pipeline
  --run-id ID     run id tagged on every resource (default: manual)`;

const command: Command = async (argv) => {
  const parsed = parseCommandArgs(
    argv,
    {
      options: {
        spec: { type: 'string' },
        out: { type: 'string', default: 'cdktf.out' },
        experiment: { type: 'boolean', default: false },
        'run-id': { type: 'string' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const runId = runIdFlag(values['run-id']);
  const { defaultSpec, loadSpecFile, SpecError } = await import('../spec/index.ts');
  try {
    const spec = values.spec ? await loadSpecFile(values.spec) : defaultSpec();
    const outdir = outputDir('out', values.out);
    const started = performance.now();
    const result = await withSourceMapsOff(async () => {
      const { synthesize } = await import('../aws/stacks/synthesize.ts');
      return synthesize({ spec, outdir, experiment: values.experiment, runId });
    });
    console.log(`synthesized stack ${result.stack} → ${result.file} (${Math.round(performance.now() - started)} ms)`);
    const { plainDeploySteps } = await import('../harness/terraform/plugin-dir.ts');
    console.log(plainDeploySteps(dirname(result.file)));
    return 0;
  } catch (error) {
    if (error instanceof SpecError) {
      console.error(
        `terratower synth: ${values.spec ?? 'default spec'} is not a valid pipeline spec (${error.issues.length} issue${error.issues.length === 1 ? '' : 's'}):`,
      );
      for (const issue of error.issues) console.error(`  ${issue.path}: ${issue.message}`);
      return 1;
    }
    throw error;
  }
};
export default command;
