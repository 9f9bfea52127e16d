/** `terratower nuke [--all] [--dry-run] [--run-dir DIR]`: remove leftovers of earlier runs, by run tag. */
import { sweepTerraformRunDirs, terraformRunDirSweeper } from '../harness/terraform/sweep.ts';
import { nuke, registerSweeper } from '../twin/nuke.ts';
import { parseCommandArgs } from './args.ts';
import type { Command } from './command.ts';

// Terraform run dirs go first: their destroy runs `local down` for the twins they deployed, so
// the twin sweepers after them only find what a dead process left behind.
registerSweeper(terraformRunDirSweeper, { first: true });

const USAGE =
  'usage: terratower nuke [--all] [--dry-run] [--run-dir DIR]\n\n' +
  'Finds what earlier runs left behind — terraform run dirs whose destroy never completed,\n' +
  "processes tagged with a run id, listening ports on a run's addresses, run dirs — and removes\n" +
  'it. Runs whose owner is alive are left alone unless --all is given. --dry-run only says what\n' +
  'would be removed. --run-dir DIR destroys and removes that one terraform run dir (the command\n' +
  'a kept run prints).';

const command: Command = async (argv) => {
  const parsed = parseCommandArgs(
    argv,
    { options: { all: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, 'run-dir': { type: 'string' } } },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const dryRun = values['dry-run'] ?? false;
  if (values['run-dir']) {
    const entries = await sweepTerraformRunDirs({
      runDirs: [values['run-dir']],
      dryRun,
      includeLive: true,
      echo: false,
    });
    for (const e of entries)
      console.log(`${e.action} ${e.runId} (${e.status}) ${e.runDir}${e.detail ? `: ${e.detail.split('\n')[0]}` : ''}`);
    return entries.some((e) => e.action === 'failed') ? 1 : 0;
  }
  const report = await nuke({ all: values.all ?? false, dryRun });
  let total = 0;
  let failed = false;
  for (const entry of report) {
    for (const line of entry.removed) console.log(`${entry.sweeper}: ${line}`);
    total += entry.removed.length;
    if (entry.error) {
      failed = true;
      console.error(`${entry.sweeper}: failed: ${entry.error}`);
    }
  }
  if (total === 0 && !failed) console.log('nothing to remove');
  return failed ? 1 : 0;
};
export default command;
