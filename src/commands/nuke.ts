/** `terratower nuke [--all] [--dry-run]`: remove leftovers of earlier runs, by run tag. */
import { parseArgs } from 'node:util';
import { nuke } from '../local/nuke.ts';
import type { Command } from './command.ts';

const command: Command = async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: { all: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'usage: terratower nuke [--all] [--dry-run]\n\n' +
        'Finds what earlier runs left behind — processes tagged with a run id, listening ports on a\n' +
        "run's addresses, run dirs — and removes it. Twins whose daemon is alive are left alone\n" +
        'unless --all is given. --dry-run only says what would be removed.',
    );
    return 0;
  }
  const report = await nuke({ all: values.all ?? false, dryRun: values['dry-run'] ?? false });
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
