/**
 * `terratower demo`: the local demo. Boots the twin through terraform (the same apply → scenario →
 * destroy path an AWS run takes), then for traffic-spike and zone-outage generates and loads a
 * dataset and runs the scenario, prints a summary table and the report paths, and destroys the
 * twin — also when a scenario fails or the demo is interrupted.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { outputDir, parseCommandArgs, slotFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower demo [--out DIR] [--slot N] [--binary terraform|tofu] [--keep] [--verbose]

  Boots the local twin through terraform, runs traffic-spike and zone-outage against it,
  prints a summary and where the reports are, and destroys the twin. One line per phase on the
  terminal; everything else (terraform's plan and output, the scenarios' steps) goes to
  <out>/demo.log.

  --out DIR     report directory (default: ./terratower-reports/<run id>)
  --slot N      local twin address slot 0–7 (default 0)
  --binary terraform|tofu   which binary applies the twin's stack (default terraform)
  --keep        keep the twin running afterwards and print the command that destroys it
  --verbose     also print every log line (terraform's plan and output, each scenario step)`;

/** One row of the summary table. */
interface SummaryRow {
  scenario: string;
  result: string;
  hypothesis: string;
  ledger: string;
  recovery: string;
  wall: string;
}

function table(rows: SummaryRow[]): string {
  const header: SummaryRow = {
    scenario: 'scenario',
    result: 'result',
    hypothesis: 'hypothesis',
    ledger: 'ledger (lost/dup/unexp, DLQ)',
    recovery: 'recovery',
    wall: 'wall',
  };
  const all = [header, ...rows];
  const keys = Object.keys(header) as (keyof SummaryRow)[];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...all.map((r) => r[k].length))])) as Record<
    keyof SummaryRow,
    number
  >;
  const line = (r: SummaryRow): string =>
    keys
      .map((k) => r[k].padEnd(width[k]))
      .join('  ')
      .trimEnd();
  return [line(header), keys.map((k) => '-'.repeat(width[k])).join('  '), ...rows.map(line)].join('\n');
}

const command: Command = async (argv) => {
  const parsed = parseCommandArgs(
    argv,
    {
      options: {
        out: { type: 'string' },
        slot: { type: 'string', default: '0' },
        binary: { type: 'string', default: 'terraform' },
        keep: { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const slot = slotFlag(values.slot);
  if (values.binary !== 'terraform' && values.binary !== 'tofu')
    throw new CommandError(`demo: --binary "${values.binary}": use terraform or tofu`, 2);
  if (values.out !== undefined) outputDir('out', values.out);
  const binary = values.binary === 'tofu' ? 'tofu' : 'terraform';

  const { trafficSpike, zoneOutage, scenarioSpec, runShipped, deployedRun } = await import(
    '../harness/scenarios/index.ts'
  );
  const { LocalTarget } = await import('../harness/targets/local.ts');
  const { recoverText } = await import('../harness/engine/recovery.ts');
  const { newRunId } = await import('../harness/terraform/index.ts');
  const { defaultSpec } = await import('../spec/index.ts');
  const scenarios = [trafficSpike, zoneOutage];
  const spec = scenarioSpec(defaultSpec(), ...scenarios);
  const runId = newRunId('demo');
  const outRoot = resolve(values.out ?? join('terratower-reports', runId));
  mkdirSync(outRoot, { recursive: true });
  const logFile = join(outRoot, 'demo.log');
  const verbose = values.verbose;
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  /** Every line goes to the log file; with --verbose to the terminal too. */
  const log = (line: string): void => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    if (verbose) console.error(line);
  };
  /** A phase line: on the terminal always, and in the log file. */
  const phase = (line: string): void => {
    appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    console.error(`[${elapsed().padStart(5)}] ${line}`);
  };

  // A cold cache: say up front what will be fetched and about how long, then fetch it all at
  // once (Maven jars and the pip venv beside the Go build of terraform/tofu).
  const { installTwinComponents, pendingTwinInstalls } = await import('../twin/install/index.ts');
  const { findTerraformBinary, ensureTerraformBinaries, PINNED_VERSIONS } = await import(
    '../support/install/terraform.ts'
  );
  const requireBinary = async (): Promise<void> => {
    const resolution = (await ensureTerraformBinaries({ kinds: [binary], log }))[binary];
    if (!resolution.ok) throw new Error(resolution.reason);
  };
  const pending = pendingTwinInstalls();
  if (!(await findTerraformBinary(binary))) {
    pending.push({
      what: `${binary} ${PINNED_VERSIONS[binary]} built from the Go module proxy`,
      seconds: 180,
    });
  }
  if (pending.length > 0) {
    const longest = Math.max(...pending.map((p) => p.seconds));
    const sum = pending.reduce((n, p) => n + p.seconds, 0);
    phase(
      `first run: fetching ${pending.map((p) => `${p.what} (~${p.seconds} s)`).join('; ')} — ` +
        `about ${Math.ceil(Math.max(longest, sum / 2) / 60)} min, in parallel where they can; cached for later runs`,
    );
  }
  const installStart = Date.now();
  await Promise.all([installTwinComponents({ onProgress: log }), requireBinary()]).catch((error: unknown) => {
    throw new CommandError(`demo: install failed: ${(error as Error).message} (log: ${logFile})`);
  });
  if (pending.length > 0) phase(`installed in ${((Date.now() - installStart) / 1000).toFixed(0)} s`);

  const target = new LocalTarget({
    spec,
    runId,
    slot,
    terraform: { binary: binary, keep: values.keep, echo: verbose },
    log,
  });
  /** Keep terraform's own log (plan, apply) beside the demo's before destroy removes its run dir. */
  const saveTerraformLog = (): void => {
    const tfLog = target.terraformRun?.logFile;
    if (tfLog && existsSync(tfLog)) copyFileSync(tfLog, join(outRoot, 'terraform.log'));
  };
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => interrupt.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const workDir = await mkdtemp(join(tmpdir(), 'tt-demo-'));
  const rows: SummaryRow[] = [];
  const reports: string[] = [];
  let allPassed = true;
  try {
    phase(`run ${runId}: booting the local twin through ${binary} (log: ${logFile})`);
    await deployedRun(target, async (t) => {
      saveTerraformLog();
      phase('twin up: 3 brokers, 3 Cassandra nodes, S3, producers and consumers');
      for (const def of scenarios) {
        if (interrupt.signal.aborted) break;
        phase(`${def.name}: loading its dataset and running it …`);
        const result = await runShipped(def, {
          target: t,
          spec,
          out: join(outRoot, def.name),
          workDir,
          log,
          signal: interrupt.signal,
        });
        allPassed &&= result.passed;
        reports.push(result.reportHtml);
        const l = result.ledger;
        const recovery = [
          ...result.recovery.scaling
            .filter((s) => s.group === 'consumers')
            .map((s) => `scale ${s.direction} ${s.decideSeconds === null ? '—' : `${s.decideSeconds.toFixed(1)} s`}`),
          ...result.recovery.faults.map((f) => `recover ${recoverText(f)}`),
        ].join(', ');
        rows.push({
          scenario: def.name,
          result: result.passed ? 'PASSED' : 'FAILED',
          hypothesis: result.hypothesisHeld ? 'held' : 'not held',
          ledger: l
            ? `${l.lost}/${l.duplicated}/${l.unexpected} of ${l.source}, ${l.deadLettered}/${l.expectedDeadLettered ?? '?'}`
            : 'not read',
          recovery: recovery || '—',
          wall: `${result.wallSeconds.toFixed(0)} s`,
        });
        phase(`${def.name}: ${result.passed ? 'passed' : 'FAILED'} in ${result.wallSeconds.toFixed(0)} s`);
      }
      phase(values.keep ? 'keeping the twin' : 'destroying the twin');
    });
  } catch (error) {
    // The twin is already destroyed (deployedRun always tears down): say what failed, without a stack.
    saveTerraformLog();
    throw new CommandError(`demo: ${(error as Error).message} (log: ${logFile})`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(workDir, { recursive: true, force: true });
  }
  console.log(`\n${table(rows)}\n`);
  for (const r of reports) console.log(`report: ${r}`);
  console.log(
    `log:    ${logFile}${existsSync(join(outRoot, 'terraform.log')) ? ` (terraform: ${join(outRoot, 'terraform.log')})` : ''}`,
  );
  console.log(
    `demo ${allPassed && rows.length === scenarios.length ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s; twin ${values.keep ? 'kept' : 'destroyed'}`,
  );
  return allPassed && rows.length === scenarios.length ? 0 : 1;
};
export default command;
