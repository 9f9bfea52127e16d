/**
 * `terratower scenario list | run NAME --target local|aws [--spec FILE] [--out DIR] [--keep]`.
 * `run` deploys the target through terraform, generates and loads the scenario's dataset, runs
 * it, writes report.json + report.html, destroys (unless --keep), and exits 0 only if the
 * hypothesis held and the ledger is exact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputDir, parseCommandArgs, slotFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower scenario list
       terratower scenario run NAME --target local|aws [options]

  --target local|aws   where to run (aws is opt-in: needs credentials and TERRATOWER_AWS=1)
  --spec FILE          pipeline spec (JSON/YAML) the scenario's own fields are merged over
  --out DIR            report directory (default: ./terratower-reports/<run id>/<scenario>)
  --keep               keep the deployed stack and print the command that destroys it
  --slot N             local twin address slot 0–7 (default 0)
  --seed N             seed of random choices (default: the scenario's)
  --binary terraform|tofu   which binary applies the stack (default terraform)
  --store LOC          run store the run is recorded in (SQLite file or s3://BUCKET/PREFIX;
                       default $TERRATOWER_STORE, else ~/.cache/terratower/store/runs.db;
                       --store off or TERRATOWER_STORE=off records nothing)`;

async function list(): Promise<number> {
  const { SCENARIOS } = await import('../harness/scenarios/index.ts');
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  for (const s of SCENARIOS) console.log(`${s.name.padEnd(width)}  ${s.description}`);
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      allowPositionals: true,
      options: {
        target: { type: 'string' },
        spec: { type: 'string' },
        out: { type: 'string' },
        keep: { type: 'boolean', default: false },
        slot: { type: 'string', default: '0' },
        seed: { type: 'string' },
        binary: { type: 'string', default: 'terraform' },
        store: { type: 'string' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const name = positionals[0];
  if (!name) throw new CommandError(`scenario run: name a scenario (see \`terratower scenario list\`)\n\n${USAGE}`, 2);
  if (positionals.length > 1)
    throw new CommandError(`scenario run: one scenario at a time (got ${positionals.join(' ')})`, 2);
  if (values.target === undefined)
    throw new CommandError(`scenario run: --target local|aws is required\n\n${USAGE}`, 2);
  if (values.target !== 'local' && values.target !== 'aws')
    throw new CommandError(`scenario run: unknown target "${values.target}": the targets are local and aws`, 2);
  if (values.binary !== 'terraform' && values.binary !== 'tofu')
    throw new CommandError(`scenario run: --binary "${values.binary}": use terraform or tofu`, 2);
  const slot = slotFlag(values.slot);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new CommandError(`scenario run: --seed ${values.seed}: use a whole number`, 2);

  const { scenarioByName, scenarioSpec, runShipped, deployedRun } = await import('../harness/scenarios/index.ts');
  const { defaultSpec, loadSpecFile, SpecError } = await import('../spec/index.ts');
  const { newRunId } = await import('../harness/terraform/index.ts');
  const { recoverText } = await import('../harness/engine/recovery.ts');
  let def;
  try {
    def = scenarioByName(name);
  } catch (error) {
    throw new CommandError((error as Error).message, 2);
  }
  let spec;
  try {
    spec = scenarioSpec(values.spec ? await loadSpecFile(values.spec) : defaultSpec(), def);
  } catch (error) {
    if (error instanceof SpecError)
      throw new CommandError(
        `scenario run: invalid spec:\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      );
    throw error;
  }
  const runId = newRunId(values.target === 'local' ? 'local' : 'aws');
  const out = outputDir('out', values.out ?? join('terratower-reports', runId, def.name));
  const log = (line: string): void => console.error(line);
  const terraform = { binary: values.binary, keep: values.keep } as const;

  let target;
  if (values.target === 'aws') {
    const { awsOptIn } = await import('../harness/aws-opt-in.ts');
    const opt = awsOptIn();
    if (!opt.ok) throw new CommandError(`scenario run --target aws: ${opt.reason}`, 2);
    const { AwsTarget } = await import('../harness/targets/aws.ts');
    target = new AwsTarget({ spec, runId, terraform, log });
  } else {
    const { LocalTarget } = await import('../harness/targets/local.ts');
    target = new LocalTarget({ spec, runId, slot, terraform, log });
  }

  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => interrupt.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // `--store off` records nothing, as TERRATOWER_STORE=off does (not a SQLite file named "off").
  const noStore = values.store?.trim() === 'off';
  const store = values.store && !noStore ? await (await import('./runs.ts')).openStoreFor(values.store) : undefined;
  const workDir = await mkdtemp(join(tmpdir(), 'tt-scenario-'));
  try {
    log(`${def.name} on ${values.target} (run ${runId})`);
    const result = await deployedRun(target, (t) =>
      runShipped(def, {
        target: t,
        spec,
        out,
        workDir,
        log,
        signal: interrupt.signal,
        ...(store ? { store } : noStore ? { store: null } : {}),
        ...(seed !== undefined ? { seed } : {}),
      }),
    );
    const l = result.ledger;
    console.log(
      `${def.name}: ${result.passed ? 'PASSED' : 'FAILED'} — hypothesis ${result.hypothesisHeld ? 'held' : 'did not hold'}; ledger ${l ? `${l.exact ? 'exact' : 'NOT exact'} (source ${l.source}, lost ${l.lost}, duplicated ${l.duplicated}, unexpected ${l.unexpected}, dead-lettered ${l.deadLettered}/${l.expectedDeadLettered ?? '?'})` : `not read (${result.ledgerError ?? '?'})`}; ${result.wallSeconds.toFixed(0)} s`,
    );
    for (const f of result.recovery.faults)
      console.log(`  ${f.fault}: detect ${f.detectSeconds ?? '—'} s, recover ${recoverText(f)}`);
    for (const s of result.recovery.scaling)
      console.log(
        `  ${s.trigger}: ${s.group} scale ${s.direction} ${s.from ?? '?'}→${s.to ?? '?'} decided ${s.decideSeconds ?? '—'} s, settled ${s.settledSeconds ?? '—'} s`,
      );
    console.log(`report: ${result.reportHtml}`);
    return result.passed ? 0 : 1;
  } catch (error) {
    // The target is already torn down (deployedRun always tears down): say what failed, without a stack.
    throw new CommandError(`scenario run ${def.name}: ${(error as Error).message}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(workDir, { recursive: true, force: true });
    await store?.close();
  }
}

const command: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list();
  if (sub === 'run') return run(rest);
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub ? 0 : 2;
  }
  throw new CommandError(`scenario: unknown subcommand "${sub}"\n\n${USAGE}`, 2);
};
export default command;
