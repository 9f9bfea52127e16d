/**
 * `terratower ci init --github [--out FILE] [--force]`: write the GitHub Actions workflow (synth,
 * validate, checkov and the local scenarios on pull requests that touch infrastructure code; a
 * nightly AWS experiment behind OIDC credentials, gated against the baseline's runs).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower ci init --github [--out FILE] [--force] [--scenario NAME]… [--experiment FILE]

  --github           write a GitHub Actions workflow (the only CI system supported)
  --out FILE         where (default .github/workflows/terratower.yml)
  --force            overwrite an existing file
  --scenario NAME    shipped scenario the pull-request job runs on the twin (repeatable;
                     default traffic-spike and broker-loss)
  --experiment FILE  experiment the nightly AWS job runs (default experiments/rf3-vs-rf2.yaml)`;

async function init(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        github: { type: 'boolean', default: false },
        out: { type: 'string', default: '.github/workflows/terratower.yml' },
        force: { type: 'boolean', default: false },
        scenario: { type: 'string', multiple: true },
        experiment: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { values } = parsed;
  if (!values.github) throw new CommandError(`ci init: say which CI: --github\n\n${USAGE}`, 2);
  const { SCENARIOS } = await import('../harness/scenarios/index.ts');
  for (const s of values.scenario ?? [])
    if (!SCENARIOS.some((d) => d.name === s))
      throw new CommandError(`ci init: no scenario "${s}": use one of ${SCENARIOS.map((d) => d.name).join(', ')}`, 2);
  const out = resolve(values.out);
  if (existsSync(out) && !values.force)
    throw new CommandError(`ci init: ${out} exists: pass --force to overwrite it`, 1);
  const { githubWorkflow } = await import('../experiment/github-workflow.ts');
  const { writeText } = await import('../experiment/ci-output.ts');
  await writeText(
    out,
    githubWorkflow({
      ...(values.scenario ? { scenarios: values.scenario } : {}),
      ...(values.experiment ? { nightlyExperiment: values.experiment } : {}),
    }),
  );
  console.log(`wrote ${out}`);
  console.log(
    'set the repository variables TERRATOWER_AWS_ROLE_ARN, TERRATOWER_AWS_REGION and TERRATOWER_STORE_BUCKET for the nightly AWS job (OIDC: the role must trust token.actions.githubusercontent.com for this repository)',
  );
  return 0;
}

const command: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (sub === 'init') return init(rest);
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  throw new CommandError(`ci: unknown subcommand "${sub}"\n\n${USAGE}`, 2);
};
export default command;
