/**
 * `terratower local up | status | down`: the local twin from the command line.
 *
 *   local up     [--spec FILE] [--slot N] [--network auto|namespaces|loopback] [--run-id ID] [--json]
 *   local status [--run-id ID] [--json]
 *   local down   [--run-id ID]
 */
import { defaultSpec, loadSpecFile, SpecError, validateSpec, type PipelineSpec } from '../spec/index.ts';
import { TwinClient, type TwinStatus } from '../twin/client.ts';
import { pidAlive } from '../support/process.ts';
import { listRunIds, readControlInfo, readRunInfo } from '../twin/run-files.ts';
import { startTwin, stopTwin, TwinBootError } from '../twin/run.ts';
import { detectTwinNetwork } from '../twin/network.ts';
import { describeLatencyFault } from '../spec/latency-fault.ts';
import { parseCommandArgs, runIdFlag, slotFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower local <up|status|down> [options]

  up      boot a twin and print its endpoints
          --spec FILE   pipeline spec (.json/.yaml); default: the built-in default spec
          --slot N      address slot 0–7, so several twins can run at once (default 0)
          --network M   auto (default: a network namespace per zone when root, else
                        loopback), namespaces, or loopback
          --run-id ID   run id (default: generated)
          --json        print endpoints as JSON
  status  members per group and zone, health, recent scaling activity
          --run-id ID   which run (default: the only live one)
          --json        print the raw status
  down    stop a twin and remove its run dir
          --run-id ID   which run (default: the only live one)`;

/** Runs whose daemon is alive. */
function liveRuns(): string[] {
  return listRunIds().filter((id) => {
    const pid = readRunInfo(id)?.daemon?.pid;
    return pid !== undefined && pidAlive(pid);
  });
}

function pickRun(runId: string | undefined, verb: string): string {
  if (runId) {
    if (!readRunInfo(runId)) throw new CommandError(`no run "${runId}"; live runs: ${liveRuns().join(', ') || 'none'}`);
    return runId;
  }
  const live = liveRuns();
  if (live.length === 1) return live[0]!;
  if (live.length === 0) throw new CommandError(`no live twin to ${verb}; start one with \`terratower local up\``);
  throw new CommandError(`several twins are live (${live.join(', ')}): pass --run-id ID`);
}

async function up(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      options: {
        spec: { type: 'string' },
        slot: { type: 'string' },
        network: { type: 'string' },
        'run-id': { type: 'string' },
        json: { type: 'boolean' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const runId = runIdFlag(values['run-id']);
  const slot = slotFlag(values.slot);
  let network;
  try {
    network = detectTwinNetwork(values.network ? { TERRATOWER_TWIN_NETWORK: values.network } : process.env);
  } catch (error) {
    throw new CommandError((error as Error).message.replace('TERRATOWER_TWIN_NETWORK=', '--network '), 2);
  }
  let spec: PipelineSpec;
  try {
    spec = values.spec ? await loadSpecFile(values.spec) : validateSpec(defaultSpec());
  } catch (error) {
    if (error instanceof SpecError) throw new CommandError(error.message);
    throw error;
  }
  try {
    const twin = await startTwin({ spec, slot, network, ...(runId ? { runId } : {}) });
    const status = await twin.client.status();
    if (values.json) {
      console.log(
        JSON.stringify(
          { ...twin.endpoints, runId: twin.runId, runDir: twin.runDir, controlUrl: twin.controlUrl },
          null,
          2,
        ),
      );
    } else {
      console.log(`twin ${twin.runId} is up (slot ${twin.slot}, ${twin.network} network, run dir ${twin.runDir})`);
      console.log(`  control API   ${twin.controlUrl}`);
      console.log(`  S3            ${twin.endpoints.s3Endpoint}  bucket ${twin.endpoints.bucket}`);
      console.log(`  Kafka         ${twin.endpoints.kafkaBootstrap.join(',')}`);
      console.log(`  Cassandra     ${twin.endpoints.cassandraContactPoints.join(',')}`);
      console.log(formatGroups(status));
      console.log(`stop it with: terratower local down --run-id ${twin.runId}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof TwinBootError)
      throw new CommandError(
        `local up failed, every process it started was stopped: ${error.message}\n(the run dir stays for its logs; \`terratower nuke\` removes it)`,
      );
    throw new CommandError((error as Error).message);
  }
}

function formatGroups(status: TwinStatus): string {
  const lines: string[] = [];
  for (const g of status.groups) {
    lines.push(
      `  ${g.group.padEnd(10)} desired ${g.desired} (min ${g.min}, max ${g.max})  in service by zone: ${Object.entries(
        g.inServiceByZone,
      )
        .map(([z, n]) => `${z}=${n}`)
        .join(' ')}`,
    );
    for (const m of g.members)
      lines.push(
        `      ${m.id.padEnd(14)} ${m.zone.padEnd(12)} ${m.address.padEnd(12)} ${m.lifecycle.padEnd(11)} pid ${m.pid ?? '-'}`,
      );
  }
  return lines.join('\n');
}

async function status(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { options: { 'run-id': { type: 'string' }, json: { type: 'boolean' } } },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const runId = pickRun(runIdFlag(values['run-id']), 'show');
  const control = readControlInfo(runId);
  if (!control)
    throw new CommandError(`run ${runId} has no control API: its daemon is gone; clean it up with \`terratower nuke\``);
  const s = await new TwinClient(control.url).status();
  if (values.json) {
    console.log(JSON.stringify(s, null, 2));
    return 0;
  }
  console.log(`twin ${s.runId}: ${s.phase}${s.error ? ` (${s.error})` : ''}, slot ${s.slot}, ${s.network} network`);
  console.log(
    `  zones: ${Object.entries(s.zones)
      .map(
        ([z, c]) =>
          `${z}=${c}${s.latency[z] ? ` (latency ${describeLatencyFault(s.latency[z])}, since ${s.latency[z].startedAt})` : ''}`,
      )
      .join(' ')}`,
  );
  if (s.s3) console.log(`  s3         ${s.s3.address} ${s.s3.lifecycle} pid ${s.s3.pid ?? '-'}`);
  console.log(formatGroups(s));
  const recent = s.activities.slice(-10);
  if (recent.length > 0) {
    console.log('  recent scaling activity:');
    for (const a of recent) console.log(`    ${a.time} ${a.group.padEnd(10)} ${a.from} → ${a.to}  ${a.cause}`);
  }
  return 0;
}

async function down(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { options: { 'run-id': { type: 'string' } } }, USAGE);
  if (!parsed) return 0;
  const { values } = parsed;
  // An explicit run id is stopped even when its run dir is gone or was never written: terraform's
  // destroy calls `local down --run-id` after a failed `up` too, and must not fail for it.
  const runId = runIdFlag(values['run-id']) ?? pickRun(undefined, 'stop');
  const report = await stopTwin(runId);
  if (report.leftovers.length > 0) {
    throw new CommandError(`run ${runId} stopped but left: ${report.leftovers.join('; ')}; run \`terratower nuke\``);
  }
  console.log(
    `twin ${runId} is down in ${report.seconds.toFixed(1)} s${report.killed > 0 ? ` (${report.killed} process(es) needed SIGKILL)` : ''}; nothing left`,
  );
  return 0;
}

const command: Command = async (argv) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'up':
      return up(rest);
    case 'status':
      return status(rest);
    case 'down':
      return down(rest);
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return sub ? 0 : 2;
    default:
      throw new CommandError(`unknown subcommand "local ${sub}"\n\n${USAGE}`);
  }
};
export default command;
