/**
 * `terratower experiment validate FILE | run FILE | list | report ID`. `run` validates the whole
 * file first (every problem, nothing deployed), runs the variants (interleaved, or control and
 * experimental at once), records every run in the store, writes the comparison report, and exits
 * 1 when a `--fail-on` gate fails (the first variant is the baseline).
 */
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { withSubcommands } from './args.ts';
import { CommandError, type Command } from './command.ts';
import { openStoreFor } from './runs.ts';

const USAGE = `usage: terratower experiment validate FILE
       terratower experiment run FILE [options]
       terratower experiment list [--store LOC]
       terratower experiment report ID [--out DIR] [--store LOC]

run:
  --store LOC          run store (SQLite file or s3://BUCKET/PREFIX; default $TERRATOWER_STORE,
                       else ~/.cache/terratower/store/runs.db)
  --out DIR            reports (default ./terratower-reports/<experiment id>)
  --mode interleaved|parallel   override the file's mode
  --repetitions N      override the file's repetitions
  --target local|aws   override the file's target (aws needs credentials and TERRATOWER_AWS=1)
  --slot N             first twin address slot 0–7 (parallel mode also uses N+1; default 0)
  --binary terraform|tofu
  --fail-on GATE       exit 1 when GATE holds for the other variants against the first
                       (e.g. "recovery.p50 > +20%", "lost.max > 0"); repeatable
  --junit FILE         JUnit XML of the runs and gates
  --summary FILE       markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)`;

function args(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: { store: { type: 'string' }, ...options } });
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

async function load(file: string | undefined, what: string) {
  if (!file) throw new CommandError(`experiment ${what}: give an experiment file\n\n${USAGE}`, 2);
  const { loadExperimentFile, ExperimentError } = await import('../experiment/file.ts');
  try {
    return await loadExperimentFile(file);
  } catch (error) {
    if (error instanceof ExperimentError)
      throw new CommandError(
        `experiment ${what}: ${file} has ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} (nothing was deployed):\n${error.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
      );
    throw error;
  }
}

async function validate(argv: string[]): Promise<number> {
  const { positionals } = args(argv, {});
  const e = await load(positionals[0], 'validate');
  console.log(
    `${positionals[0]}: valid: ${e.name}: ${e.variants.map((v) => v.name).join(' vs ')} on ${e.scenarios.map((s) => s.name).join(', ')}, ${e.repetitions} repetitions, target ${e.target}, mode ${e.mode}`,
  );
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv, {
    out: { type: 'string' },
    mode: { type: 'string' },
    target: { type: 'string' },
    repetitions: { type: 'string' },
    slot: { type: 'string', default: '0' },
    binary: { type: 'string', default: 'terraform' },
    'fail-on': { type: 'string', multiple: true },
    junit: { type: 'string' },
    summary: { type: 'string' },
  });
  const e = await load(positionals[0], 'run');
  if (values.mode !== undefined && values.mode !== 'interleaved' && values.mode !== 'parallel')
    throw new CommandError('experiment run: --mode is interleaved or parallel', 2);
  if (values.target !== undefined) {
    if (values.target !== 'local' && values.target !== 'aws')
      throw new CommandError('experiment run: --target is local or aws', 2);
    e.target = values.target;
  }
  if (values.binary !== 'terraform' && values.binary !== 'tofu')
    throw new CommandError('experiment run: --binary is terraform or tofu', 2);
  const slot = Number(values.slot);
  if (!Number.isInteger(slot) || slot < 0 || slot > 6)
    throw new CommandError('experiment run: --slot is a whole number 0–6 (parallel mode uses the next slot too)', 2);
  if (values.repetitions !== undefined) {
    const n = Number(values.repetitions);
    if (!Number.isInteger(n) || n < 1 || n > 50) throw new CommandError('experiment run: --repetitions is 1–50', 2);
    e.repetitions = n;
  }
  const { parseGate, evaluateGates, GateError } = await import('../experiment/gate.ts');
  const gates = ((values['fail-on'] as string[] | undefined) ?? []).map((g) => {
    try {
      return parseGate(g);
    } catch (error) {
      if (error instanceof GateError) throw new CommandError(`experiment run: ${error.message}`, 2);
      throw error;
    }
  });
  const { runExperiment, newExperimentId } = await import('../experiment/run.ts');
  const id = newExperimentId();
  const out = resolve((values.out as string | undefined) ?? join('terratower-reports', id));
  const store = await openStoreFor(values.store as string | undefined);
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => interrupt.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcome = await runExperiment(e, {
      store,
      out,
      id,
      slot,
      binary: values.binary as 'terraform' | 'tofu',
      signal: interrupt.signal,
      log: (line) => console.error(line),
      ...(values.mode ? { mode: values.mode as 'interleaved' | 'parallel' } : {}),
    });
    const c = outcome.comparison;
    console.log(`${e.name} (${id}): ${outcome.record.status}; ${outcome.record.modeReason}`);
    for (const m of c.metrics) for (const d of m.differences) console.log(`  ${m.metric.label}: ${d.verdict}`);
    const flagged = c.fairness.filter((f) => f.differs && !f.byDesign);
    if (flagged.length) console.log(`  not like for like: ${flagged.map((f) => f.fact).join(', ')} differ`);
    const first = e.variants[0]!.name;
    const results = evaluateGates(
      gates,
      outcome.runs.filter((r) => r.experiment?.variant === first),
      outcome.runs.filter((r) => r.experiment?.variant !== first),
    );
    for (const r of results) console.log(r.summary);
    const { junitXml, markdownSummary, writeText, appendStepSummary } = await import('../experiment/ci-output.ts');
    if (values.junit)
      await writeText(resolve(values.junit as string), junitXml({ name: e.name, runs: outcome.runs, gates: results }));
    const summary = markdownSummary({
      title: `${e.name} (${id})`,
      comparison: c,
      gates: results,
      runs: outcome.runs,
      reportPath: outcome.comparisonHtml,
    });
    if (values.summary) await writeText(resolve(values.summary as string), summary);
    await appendStepSummary(summary);
    console.log(`comparison: ${outcome.comparisonHtml}`);
    if (interrupt.signal.aborted) return 130;
    return results.some((r) => r.failed) ? 1 : 0;
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`experiment run ${e.name}: ${(error as Error).message}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
}

async function list(argv: string[]): Promise<number> {
  const { values } = args(argv, {});
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const list = await store.listExperiments();
    if (list.length === 0) console.log(`no experiments in ${store.location}`);
    for (const x of list)
      console.log(
        `${x.id}  ${x.createdAt.slice(0, 19)}  ${x.name}  ${x.status}  ${x.mode}  ${x.runIds.length} runs  ${x.reportHtml ?? ''}`,
      );
    return 0;
  } finally {
    await store.close();
  }
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv, { out: { type: 'string' } });
  const id = positionals[0];
  if (!id) throw new CommandError(`experiment report: give an experiment id\n\n${USAGE}`, 2);
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const x = await store.getExperiment(id);
    if (!x) throw new CommandError(`no experiment "${id}" in ${store.location}: see \`terratower experiment list\``, 2);
    const runs = (await Promise.all(x.runIds.map((r) => store.getRun(r, { detail: true })))).filter(
      (r) => r !== undefined,
    );
    const { buildComparison } = await import('../experiment/compare.ts');
    const { writeComparison } = await import('../experiment/report.ts');
    const def = x.definition as { variants?: Record<string, unknown>; seed?: number };
    const comparison = buildComparison(runs, {
      title: `${x.name} (${x.id})`,
      order: Object.keys(def.variants ?? {}),
      mode: x.mode,
      modeReason: x.modeReason,
      experimentId: x.id,
      seed: def.seed ?? 1,
    });
    const out = resolve((values.out as string | undefined) ?? join('terratower-reports', x.id));
    const paths = await writeComparison(out, comparison, runs);
    console.log(paths.html);
    return 0;
  } finally {
    await store.close();
  }
}

const command: Command = withSubcommands('experiment', { validate, run, list, report }, USAGE);
export default command;
