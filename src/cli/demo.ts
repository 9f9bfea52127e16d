/**
 * `terratower demo`: the local demo. Boots the twin through terraform (the same apply → scenario →
 * destroy path an AWS run takes), then for traffic-spike and zone-outage generates and loads a
 * dataset and runs the scenario, prints a summary table and the report paths, and destroys the
 * twin — also when a scenario fails or the demo is interrupted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { outputDir, parseCommandArgs, slotFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower demo [--out DIR] [--slot N] [--binary terraform|tofu] [--keep]

  Boots the local twin through terraform, runs traffic-spike and zone-outage against it,
  prints a summary and where the reports are, and destroys the twin.

  --out DIR     report directory (default: ./terratower-reports/<run id>)
  --slot N      local twin address slot 0–7 (default 0)
  --binary terraform|tofu   which binary applies the twin's stack (default terraform)
  --keep        keep the twin running afterwards and print the command that destroys it`;

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

  const { trafficSpike, zoneOutage, scenarioSpec, runShipped, deployedRun } = await import(
    '../harness/scenarios/index.ts'
  );
  const { LocalTarget } = await import('../harness/targets/local.ts');
  const { newRunId } = await import('../harness/terraform/index.ts');
  const { defaultSpec } = await import('../spec/index.ts');
  const scenarios = [trafficSpike, zoneOutage];
  const spec = scenarioSpec(defaultSpec(), ...scenarios);
  const runId = newRunId('demo');
  const outRoot = resolve(values.out ?? join('terratower-reports', runId));
  const log = (line: string): void => console.error(line);
  const started = Date.now();
  const target = new LocalTarget({ spec, runId, slot, terraform: { binary: values.binary, keep: values.keep }, log });
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => interrupt.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const workDir = await mkdtemp(join(tmpdir(), 'tt-demo-'));
  const rows: SummaryRow[] = [];
  const reports: string[] = [];
  let allPassed = true;
  try {
    log(`terratower demo (run ${runId}): booting the local twin through ${values.binary} …`);
    await deployedRun(target, async (t) => {
      log(`twin up after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      for (const def of scenarios) {
        if (interrupt.signal.aborted) break;
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
            .map((s) => `scale ${s.direction} ${s.decideSeconds ?? '—'}s`),
          ...result.recovery.faults.map((f) => `recover ${f.recoverSeconds ?? '—'}s`),
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
      }
    });
  } catch (error) {
    // The twin is already destroyed (deployedRun always tears down): say what failed, without a stack.
    throw new CommandError(`demo: ${(error as Error).message}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rm(workDir, { recursive: true, force: true });
  }
  console.log(`\n${table(rows)}\n`);
  for (const r of reports) console.log(`report: ${r}`);
  console.log(
    `demo ${allPassed && rows.length === scenarios.length ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s; twin ${values.keep ? 'kept' : 'destroyed'}`,
  );
  return allPassed && rows.length === scenarios.length ? 0 : 1;
};
export default command;
