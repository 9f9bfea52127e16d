/**
 * Benchmark: stability of the shipped scenarios on this machine. Runs each shipped scenario N
 * times (default 3), one run after another, each on a freshly deployed local twin (as CI runs
 * them), and prints per scenario: the pass rate, the members replaced for failing health checks
 * (per run and group), and the spread (min / median / max) of every recovery figure and of the
 * wall time. Goal: 100 % passed with zero unexplained replacements.
 *
 * Heavy: one twin at a time, about 5–7 minutes per run. Run it under the shared lock.
 *
 *   node --import tsx bench/stability.ts [--runs N] [--scenario NAME]... [--slot N] [--json] [--keep DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ScenarioResult } from '../src/harness/engine/run.ts';
import { runShipped, SCENARIOS, scenarioByName, scenarioSpec } from '../src/harness/scenarios/index.ts';
import { LocalTarget } from '../src/harness/targets/local.ts';
import { defaultSpec } from '../src/spec/index.ts';
import { detectTwinNetwork } from '../src/twin/network.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    slot: { type: 'string' },
    json: { type: 'boolean' },
    keep: { type: 'string' },
  },
});
const runs = Number(values.runs ?? 3);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs ${values.runs}: give a whole number of runs ≥ 1, e.g. --runs 3\n`);
  process.exit(2);
}
let scenarios: typeof SCENARIOS;
try {
  scenarios = values.scenario?.length ? values.scenario.map(scenarioByName) : SCENARIOS;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const slot = Number(values.slot ?? 0);
// Ctrl-C stops the run in progress (rollbacks run, the twin is torn down) and skips the rest.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort(sig));
const progress = (line: string): void => {
  if (!values.json) process.stderr.write(`  ${line}\n`);
};

/** A figure: seconds, null (never reached), or unmeasured because the next fault came first. */
type Figure = number | null | 'next fault first';

/** One run's figures. */
interface RunFigures {
  passed: boolean;
  why: string[];
  replacements: Record<string, string[]>;
  figures: Record<string, Figure>;
  wallSeconds: number;
}

function figuresOf(r: ScenarioResult): RunFigures {
  const figures: Record<string, Figure> = {};
  for (const f of r.recovery.faults) {
    figures[`${f.fault}: detect`] = f.detectSeconds;
    figures[`${f.fault}: recover`] = f.nextFaultFirst ? 'next fault first' : f.recoverSeconds;
  }
  for (const s of r.recovery.scaling) {
    figures[`${s.group} scale ${s.direction}: decide`] = s.decideSeconds;
    figures[`${s.group} scale ${s.direction}: settle`] = s.settledSeconds;
  }
  for (const a of r.journal.run) if (a.type === 'probe') figures[`${a.name}: step seconds`] = (a.t1 - a.t0) / 1000;
  const why: string[] = [];
  for (const a of r.journal.run) if (a.status === 'failed') why.push(`${a.name}: ${a.error ?? 'failed'}`);
  if (r.journal.steadyStates.before && !r.journal.steadyStates.before.holds) why.push('hypothesis before');
  if (r.journal.steadyStates.after && !r.journal.steadyStates.after.holds) why.push('hypothesis after');
  if (r.ledger && !r.ledger.exact) why.push(`ledger: lost ${r.ledger.lost}, duplicated ${r.ledger.duplicated}`);
  if (!r.ledger) why.push(`no ledger: ${r.ledgerError ?? '?'}`);
  if (r.replacements.exceeded) why.push(`churn: ${r.replacements.exceeded}`);
  const replacements: Record<string, string[]> = {};
  for (const [g, x] of Object.entries(r.replacements.byGroup)) replacements[g] = x.members;
  return { passed: r.passed, why, replacements, figures, wallSeconds: r.wallSeconds };
}

async function runOnce(def: (typeof SCENARIOS)[number], n: number): Promise<RunFigures> {
  const spec = scenarioSpec(defaultSpec(), def);
  const workDir = await mkdtemp(join(tmpdir(), `tt-stability-${def.name}-`));
  const target = new LocalTarget({ spec, slot, terraform: { echo: false }, log: progress });
  try {
    await target.deploy();
    const out = values.keep ? join(values.keep, `${def.name}-${n}`) : join(workDir, 'report');
    const result = await runShipped(def, { target, spec, out, workDir, log: progress, signal: stop.signal });
    return figuresOf(result);
  } catch (error) {
    return {
      passed: false,
      why: [`error: ${(error as Error).message}`],
      replacements: {},
      figures: {},
      wallSeconds: 0,
    };
  } finally {
    await target.teardown().catch((error: Error) => progress(`teardown: ${error.message}`));
    await rm(workDir, { recursive: true, force: true });
  }
}

function spread(values: readonly Figure[]): string {
  const known = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  const cut = values.filter((v) => v === 'next fault first').length;
  const never = values.length - known.length - cut;
  const unmeasured = [never ? `never in ${never}` : '', cut ? `next fault came first in ${cut}` : '']
    .filter(Boolean)
    .join(', ');
  if (known.length === 0) return `— (${unmeasured})`;
  const median = known[Math.floor(known.length / 2)]!;
  const f = (v: number): string => v.toFixed(1);
  return `${f(known[0]!)} / ${f(median)} / ${f(known.at(-1)!)} s${unmeasured ? ` (${unmeasured})` : ''}`;
}

// Which zones the twins get decides what a zone disruption is: say it before the figures.
const network = detectTwinNetwork();
progress(
  `twin network: ${network} (a zone disruption is ${network === 'namespaces' ? 'a network partition' : 'SIGSTOP of its processes'}); load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const report: Record<string, RunFigures[]> = {};
for (const def of scenarios) {
  report[def.name] = [];
  for (let n = 1; n <= runs && !stop.signal.aborted; n++) {
    progress(`${def.name}: run ${n}/${runs}`);
    const r = await runOnce(def, n);
    report[def.name]!.push(r);
    progress(
      `${def.name} run ${n}: ${r.passed ? 'PASSED' : `FAILED (${r.why.join('; ')})`} in ${r.wallSeconds.toFixed(0)} s`,
    );
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ runs, network, scenarios: report }, null, 2)}\n`);
} else {
  const lines: string[] = [`twin network: ${network}`];
  for (const [name, list] of Object.entries(report)) {
    const passed = list.filter((r) => r.passed).length;
    lines.push(`${name}: ${passed}/${list.length} passed (${Math.round((100 * passed) / list.length)} %)`);
    list.forEach((r, i) => {
      const churn = Object.entries(r.replacements)
        .map(([g, ids]) => `${g} ${ids.length} (${ids.join(', ')})`)
        .join('; ');
      lines.push(
        `  run ${i + 1}: ${r.passed ? 'passed' : 'FAILED'}, ${r.wallSeconds.toFixed(0)} s, replaced for failing health checks: ${churn || 'none'}${r.why.length ? ` — ${r.why.join('; ')}` : ''}`,
      );
    });
    const keys = [...new Set(list.flatMap((r) => Object.keys(r.figures)))];
    for (const key of keys)
      lines.push(`  ${key}: ${spread(list.map((r) => r.figures[key] ?? null))} (min / median / max)`);
    lines.push(`  wall time: ${spread(list.map((r) => r.wallSeconds))} (min / median / max)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
