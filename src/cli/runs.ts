/**
 * `terratower runs list | show ID | compare ID… | export ID`: the run store from the command
 * line. `compare` groups runs (by experiment variant, or baseline vs candidate with
 * `--baseline REF`), prints the per-metric verdicts, writes the comparison report, JUnit XML
 * and a markdown summary, and exits 1 when a `--fail-on` gate fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { withSubcommands } from './args.ts';
import { CommandError, type Command } from './command.ts';
import type { RunRecord, RunStore, RunSummary, StoredRunStatus } from '../store/index.ts';

const USAGE = `usage: terratower runs list [--scenario NAME] [--experiment ID] [--variant NAME] [--status S] [--since ISO]
                            [--limit N] [--json] [--junit FILE] [--summary FILE]
       terratower runs show ID [--json]
       terratower runs export ID [--out FILE]
       terratower runs compare [ID|EXPERIMENT-ID …] [--baseline REF] [--fail-on GATE]… [options]

  --store LOC        run store: a SQLite file or s3://BUCKET/PREFIX (default $TERRATOWER_STORE,
                     else ~/.cache/terratower/store/runs.db)

compare:
  ID …               runs, or experiments (exp-…) meaning all their runs; grouped by variant.
                     With --baseline and no IDs: the runs of the current git revision.
  --baseline REF     compare against: a run id, an experiment id, or a git revision (runs
                     recorded at that revision; names such as main or HEAD~1 are resolved)
  --scenario NAME    only runs of this scenario (for --baseline by revision)
  --fail-on GATE     exit 1 when GATE holds, e.g. "recovery.p50 > +20%", "lost.max > 0"
                     (METRIC[.p50|p90|mean|min|max] OP VALUE; +N% relative, +N change, N absolute)
  --out DIR          write comparison.html and comparison.json there
  --junit FILE       write JUnit XML (one case per run and per gate)
  --summary FILE     write the markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)
  --json             print the comparison as JSON`;

/** Open the store named by --store (or the default), with a clear message when it cannot be. */
export async function openStoreFor(
  location: string | undefined,
  options: { mustExist?: boolean } = {},
): Promise<RunStore> {
  const { openStore, StoreError, parseS3Location, defaultStoreLocation } = await import('../store/index.ts');
  // `off` means "record nothing", which only `scenario run` can do (it handles it before this);
  // everywhere else it would open, or create, a SQLite file named "off".
  if (location?.trim() === 'off')
    throw new CommandError(
      '--store off records nothing, which only `scenario run` can do: experiments and the run views need a store; give a SQLite file or s3://BUCKET/PREFIX',
    );
  const where = location ?? defaultStoreLocation();
  if (options.mustExist && !parseS3Location(where) && !existsSync(where))
    throw new CommandError(
      `no run store at ${resolve(where)} (nothing recorded there yet): runs are recorded by \`scenario run\` and \`experiment run\`; give --store to read another`,
    );
  try {
    return await openStore(location);
  } catch (error) {
    if (error instanceof StoreError) throw new CommandError(error.message);
    throw new CommandError(`cannot open the run store ${location ?? '(default)'}: ${(error as Error).message}`);
  }
}

/** A run id from an exact id or a unique prefix or suffix. */
export async function resolveRunId(store: RunStore, ref: string): Promise<string> {
  if (await store.getRun(ref)) return ref;
  const all = await store.listRuns({ limit: 100_000 });
  const hits = all.filter((r) => r.id.startsWith(ref) || r.id.endsWith(ref));
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length > 1)
    throw new CommandError(
      `"${ref}" matches ${hits.length} runs (${hits
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}…): give more of the id`,
      2,
    );
  throw new CommandError(`no run "${ref}" in ${store.location}: see \`terratower runs list\``, 2);
}

function fig(v: number | null | undefined): string {
  return v === undefined || v === null ? '—' : String(Math.round(v * 10) / 10);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function parse(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: { store: { type: 'string' }, ...options } });
  } catch (error) {
    throw new CommandError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

async function list(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    scenario: { type: 'string' },
    experiment: { type: 'string' },
    variant: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    junit: { type: 'string' },
    summary: { type: 'string' },
  });
  const { RUN_STATUSES } = await import('../store/index.ts');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CommandError('runs list: --limit is a whole number ≥ 1', 2);
  if (values.status !== undefined && !RUN_STATUSES.includes(values.status as StoredRunStatus))
    throw new CommandError(`runs list: --status is one of ${RUN_STATUSES.join(', ')}`, 2);
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const runs = await store.listRuns({
      limit,
      ...(values.scenario ? { scenario: values.scenario as string } : {}),
      ...(values.experiment ? { experimentId: values.experiment as string } : {}),
      ...(values.variant ? { variant: values.variant as string } : {}),
      ...(values.status ? { status: values.status as StoredRunStatus } : {}),
      ...(values.since ? { since: values.since as string } : {}),
    });
    if (values.junit || values.summary) {
      const { junitXml, markdownSummary, writeText, appendStepSummary } = await import('../experiment/ci-output.ts');
      if (values.junit) await writeText(resolve(values.junit as string), junitXml({ name: 'terratower runs', runs }));
      const summary = markdownSummary({ title: `${runs.length} run(s)`, runs });
      if (values.summary) await writeText(resolve(values.summary as string), summary);
      await appendStepSummary(summary);
    }
    if (values.json) {
      console.log(JSON.stringify(runs, null, 2));
      return 0;
    }
    if (runs.length === 0) {
      console.log(`no runs in ${store.location}`);
      return 0;
    }
    const rows = [['id', 'created', 'scenario', 'target', 'status', 'experiment', 'wall s', 'recover s', 'lost']];
    for (const r of runs)
      rows.push([
        r.id,
        r.createdAt.replace('T', ' ').slice(0, 19),
        r.scenario,
        r.target,
        r.status,
        r.experiment ? `${r.experiment.name}/${r.experiment.variant}#${r.experiment.repetition}` : '',
        fig(r.wallSeconds),
        fig(r.figures.recover),
        fig(r.figures.lost),
      ]);
    console.log(table(rows));
    console.log(`\n${runs.length} run(s) in ${store.location}`);
    return 0;
  } finally {
    await store.close();
  }
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
  if (!positionals[0]) throw new CommandError(`runs show: give a run id\n\n${USAGE}`, 2);
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const id = await resolveRunId(store, positionals[0]);
    const run = (await store.getRun(id, { detail: Boolean(values.json) }))!;
    if (values.json) {
      console.log(JSON.stringify(run, null, 2));
      return 0;
    }
    const { FIGURES } = await import('../store/index.ts');
    const p = run.provenance;
    console.log(`run ${run.id}: ${run.scenario} on ${run.target}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
    console.log(
      `  started ${run.startedAt ?? run.createdAt}, finished ${run.finishedAt ?? '—'}, wall ${fig(run.wallSeconds)} s, seed ${run.seed ?? '—'}`,
    );
    if (run.experiment)
      console.log(
        `  experiment ${run.experiment.name} (${run.experiment.id}): variant ${run.experiment.variant}, repetition ${run.experiment.repetition}, ${run.experiment.mode}${run.experiment.arm ? `, ${run.experiment.arm} group` : ''}`,
      );
    if (p) {
      console.log(
        `  revision ${p.gitRevision ?? '—'}${p.gitDirty ? ' (uncommitted changes)' : ''}, terratower ${p.terratower}`,
      );
      console.log(
        `  versions ${Object.entries(p.versions)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      const m = p.machine;
      console.log(
        `  machine ${m.hostname}: ${m.cores} cores (${m.cpuModel}), ${m.memoryMiB} MiB (${m.availableMemoryMiB} available), load ${m.loadAverage.join(' ')}, node ${m.node}, java ${m.java ?? '—'}`,
      );
    }
    if (run.spec)
      console.log(
        `  layout kafka ${run.spec.kafka.brokers} brokers RF ${run.spec.kafka.replicationFactor} min ISR ${run.spec.kafka.minInSyncReplicas}; cassandra ${run.spec.cassandra.nodes} nodes RF ${run.spec.cassandra.replicationFactor} ${run.spec.cassandra.consistency}; consumers ${run.spec.consumers.min}–${run.spec.consumers.max}`,
      );
    console.log('  figures:');
    for (const f of FIGURES)
      if (run.figures[f.name] !== undefined)
        console.log(`    ${f.label.padEnd(24)} ${fig(run.figures[f.name])} ${f.unit}`);
    if (run.reportHtml) console.log(`  report: ${run.reportHtml}`);
    return 0;
  } finally {
    await store.close();
  }
}

async function exportRun(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' } });
  if (!positionals[0]) throw new CommandError(`runs export: give a run id\n\n${USAGE}`, 2);
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const id = await resolveRunId(store, positionals[0]);
    const run = await store.getRun(id, { detail: true });
    const text = `${JSON.stringify(run, null, 2)}\n`;
    if (values.out) {
      const { writeText } = await import('../experiment/ci-output.ts');
      await writeText(resolve(values.out as string), text);
      console.error(`run ${id} written to ${resolve(values.out as string)}`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}

function gitRev(ref: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Runs named by a ref: a run id, an experiment id (its runs), or a git revision (runs recorded at it). */
async function runsOf(store: RunStore, ref: string, scenario: string | undefined): Promise<RunSummary[]> {
  const run = await store.getRun(ref);
  if (run) return [run];
  if (await store.getExperiment(ref)) return store.listRuns({ experimentId: ref, limit: 100_000 });
  const all = await store.listRuns({ limit: 100_000, ...(scenario ? { scenario } : {}) });
  const rev = gitRev(ref) ?? ref;
  const atRev = all.filter(
    (r) => r.provenance?.gitRevision && rev.length >= 7 && r.provenance.gitRevision.startsWith(rev),
  );
  if (atRev.length > 0) return atRev;
  const byPrefix = all.filter((r) => r.id.startsWith(ref) || r.id.endsWith(ref));
  if (byPrefix.length === 1) return byPrefix;
  throw new CommandError(
    `"${ref}" names no run, experiment, or git revision with recorded runs in ${store.location}: see \`terratower runs list\``,
    2,
  );
}

async function compare(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    baseline: { type: 'string' },
    scenario: { type: 'string' },
    'fail-on': { type: 'string', multiple: true },
    out: { type: 'string' },
    junit: { type: 'string' },
    summary: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const { parseGate, evaluateGates, GateError } = await import('../experiment/gate.ts');
  const gates = ((values['fail-on'] as string[] | undefined) ?? []).map((g) => {
    try {
      return parseGate(g);
    } catch (error) {
      if (error instanceof GateError) throw new CommandError(`runs compare: ${error.message}`, 2);
      throw error;
    }
  });
  const store = await openStoreFor(values.store as string | undefined, { mustExist: true });
  try {
    const scenario = values.scenario as string | undefined;
    const candidates: RunSummary[] = [];
    for (const ref of positionals) candidates.push(...(await runsOf(store, ref, scenario)));
    let baseline: RunSummary[] = [];
    const baselineRef = values.baseline as string | undefined;
    if (baselineRef) {
      baseline = await runsOf(store, baselineRef, scenario);
      if (positionals.length === 0) {
        const head = gitRev('HEAD');
        if (!head) throw new CommandError('runs compare: name the candidate runs (not in a git checkout)', 2);
        candidates.push(
          ...(await store.listRuns({ limit: 100_000, ...(scenario ? { scenario } : {}) })).filter(
            (r) => r.provenance?.gitRevision === head,
          ),
        );
        if (candidates.length === 0)
          throw new CommandError(
            `runs compare: no runs recorded at the current revision ${head.slice(0, 12)}: run them first, or name them`,
            2,
          );
      }
    } else if (candidates.length === 0)
      throw new CommandError(`runs compare: name runs or experiments to compare\n\n${USAGE}`, 2);
    const baseIds = new Set(baseline.map((r) => r.id));
    const cand = candidates.filter((r) => !baseIds.has(r.id));
    // Oldest first: without --baseline the first run's group (an experiment's first variant) is the baseline.
    const byTime = (a: RunSummary, b: RunSummary): number => a.createdAt.localeCompare(b.createdAt);
    const all = [...baseline.sort(byTime), ...cand.sort(byTime)];
    const full = (await Promise.all(all.map((r) => store.getRun(r.id, { detail: true })))).filter(
      (r): r is RunRecord => r !== undefined,
    );
    const { buildComparison, defaultGroupOf } = await import('../experiment/compare.ts');
    const byBaseline = baselineRef !== undefined;
    const comparison = buildComparison(full, {
      title: byBaseline ? `baseline ${baselineRef} vs candidate` : `runs ${positionals.join(', ')}`,
      ...(byBaseline
        ? {
            groupOf: (r: RunSummary) => (baseIds.has(r.id) ? 'baseline' : 'candidate'),
            order: ['baseline', 'candidate'],
          }
        : {}),
    });
    // Gates: baseline = the first group, candidates = every other group.
    const firstGroup = comparison.groups[0]?.name;
    const groupOf = byBaseline ? (r: RunSummary) => (baseIds.has(r.id) ? 'baseline' : 'candidate') : defaultGroupOf;
    const gateBase = byBaseline ? baseline : all.filter((r) => groupOf(r) === firstGroup);
    const gateCand = byBaseline ? cand : all.filter((r) => groupOf(r) !== firstGroup);
    const results = evaluateGates(
      gates,
      gateBase,
      gates.some((g) => g.kind === 'absolute') && !byBaseline && gateCand.length === 0 ? all : gateCand,
    );

    if (values.json) console.log(JSON.stringify({ comparison, gates: results }, null, 2));
    else {
      console.log(comparison.title);
      console.log(
        `groups: ${comparison.groups.map((g) => `${g.name} (${g.runs.length} runs)`).join(', ')}; baseline ${comparison.baseline}`,
      );
      for (const m of comparison.metrics)
        for (const d of m.differences) console.log(`  ${m.metric.label}: ${d.verdict}`);
      const flagged = comparison.fairness.filter((f) => f.differs && !f.byDesign);
      if (flagged.length) console.log(`  not like for like: ${flagged.map((f) => f.fact).join(', ')} differ`);
      for (const r of results) console.log(r.summary);
    }
    let reportPath: string | undefined;
    if (values.out) {
      const { writeComparison } = await import('../experiment/report.ts');
      reportPath = (await writeComparison(resolve(values.out as string), comparison, full)).html;
      console.error(`comparison: ${reportPath}`);
    }
    const { junitXml, markdownSummary, writeText, appendStepSummary } = await import('../experiment/ci-output.ts');
    if (values.junit)
      await writeText(resolve(values.junit as string), junitXml({ name: comparison.title, runs: all, gates: results }));
    const summary = markdownSummary({
      title: comparison.title,
      comparison,
      gates: results,
      runs: all,
      ...(reportPath ? { reportPath } : {}),
    });
    if (values.summary) await writeText(resolve(values.summary as string), summary);
    await appendStepSummary(summary);
    const failed = results.filter((r) => r.failed);
    if (gates.length > 0)
      console.log(
        failed.length ? `${failed.length} of ${gates.length} gate(s) failed` : `all ${gates.length} gate(s) passed`,
      );
    return failed.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

const command: Command = withSubcommands('runs', { list, show, export: exportRun, compare }, USAGE);
export default command;
