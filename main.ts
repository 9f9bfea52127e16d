/**
 * cdktf app entry (`cdktf synth` runs it, see cdktf.json): synthesizes the default spec, or the
 * spec file named by TERRATOWER_SPEC. TERRATOWER_RUN_ID sets the run id; TERRATOWER_EXPERIMENT=1
 * synthesizes the control + experiment stack instead; CDKTF_OUTDIR the output directory.
 */
import { defaultSpec } from './src/spec/defaults.ts';
import { loadSpecFile } from './src/spec/load.ts';
import { SpecError } from './src/spec/validate.ts';
import { withSourceMapsOff } from './src/aws/stacks/source-maps.ts';

try {
  const file = process.env.TERRATOWER_SPEC;
  const spec = file ? await loadSpecFile(file) : defaultSpec();
  const result = await withSourceMapsOff(async () => {
    const { synthesize } = await import('./src/aws/stacks/synthesize.ts');
    return synthesize({
      spec,
      outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out',
      experiment: process.env.TERRATOWER_EXPERIMENT === '1',
      runId: process.env.TERRATOWER_RUN_ID,
    });
  });
  console.error(`synthesized ${result.stack} → ${result.file}`);
} catch (error) {
  if (error instanceof SpecError) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
