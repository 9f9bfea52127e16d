/**
 * Delay and loss between one zone and the others on AWS, the way AWS FIS's network actions run
 * through `aws:ssm:send-command`: SSM Run Command with the AWS-owned document
 * `AWS-RunShellScript` puts `tc netem` on the egress of every in-service instance. Instances in
 * the zone delay what they send to the other zones' subnets; instances in the other zones delay
 * what they send to the zone's subnets — so both directions are delayed, while traffic inside a
 * zone and to regional services (S3, whose addresses are in no subnet) is untouched.
 *
 * The script (see {@link zoneLatencyScript}) replaces the root qdisc of the default-route
 * interface with a 4-band `prio` (the default priomap uses the first three bands, so other
 * traffic flows as before), hangs `netem` under band 4 and steers the subnets' CIDRs there with
 * `u32` filters; it sleeps for the fault's seconds and removes the qdisc. It refuses to run when
 * the interface already has a root qdisc other than the kernel's default. The SSM agent ends a
 * cancelled or timed-out command with SIGKILL to its process group, which no trap sees: a
 * watchdog in its own session removes the qdisc within a second of the script's death, so
 * `zoneRestore` (CancelCommand) and `executionTimeout` end the fault too.
 */
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CancelCommandCommand, ListCommandsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { GroupState, ZoneLatency } from '../../model/target.ts';
import { latencyFaultProblem, type GroupName } from '../../spec/index.ts';
import { sleep } from '../../support/time.ts';
import {
  sendSsmCommand,
  waitSsmCommandStarted,
  type SentSsmCommand,
  type SsmCommandPurpose,
  type SsmCommandRequest,
} from './aws-cpu-stress.ts';

/** The AWS-owned document that runs a shell script (its parameters: `commands`, `executionTimeout`). */
export const ZONE_LATENCY_DOCUMENT = 'AWS-RunShellScript';

/** How the fault is done, as journals say it (followed by ` on N instances`). */
export const ZONE_LATENCY_METHOD = `tc netem via SSM Run Command (${ZONE_LATENCY_DOCUMENT})`;

/** Seconds the document's `executionTimeout` allows beyond the fault's own, for setup and cleanup. */
export const EXECUTION_MARGIN_SECONDS = 60;

/** SendCommand takes at most this many instance ids; more go in further commands. */
export const MAX_INSTANCES_PER_COMMAND = 50;

const PURPOSE: SsmCommandPurpose = { action: 'zoneLatency', documentName: ZONE_LATENCY_DOCUMENT };

/** A validated {@link ZoneLatency}: loss filled in, seconds whole. */
export interface ZoneLatencyFigures {
  /** One-way delay added, milliseconds. */
  delayMs: number;
  /** Percent of packets dropped. */
  lossPercent: number;
  /** Whole seconds the fault lasts (rounded up). */
  seconds: number;
}

/**
 * Check a {@link ZoneLatency} before anything is sent (the limits every target shares, see
 * `latencyFaultProblem`). Throws one line naming the fix.
 */
export function validateZoneLatency(latency: ZoneLatency): ZoneLatencyFigures {
  const problem = latencyFaultProblem(latency);
  if (problem) throw new Error(`zoneLatency: ${problem}`);
  return { delayMs: latency.delayMs, lossPercent: latency.lossPercent ?? 0, seconds: Math.ceil(latency.seconds) };
}

/**
 * Check that `zone` is one of the pipeline's `zones` and that there is another zone to be slow
 * to. Throws one line listing the zones.
 */
export function checkLatencyZone(zone: string, zones: readonly string[]): void {
  if (!zones.includes(zone))
    throw new Error(`zoneLatency: no zone ${JSON.stringify(zone)}; the pipeline's zones are ${zones.join(', ')}`);
  if (zones.length < 2)
    throw new Error(
      `zoneLatency: the pipeline has one zone (${zone}): latency between zones needs two or more in the spec's zones`,
    );
}

/** A number as tc reads it: at most three decimals, never in exponent notation. */
function tcNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * The netem options of a fault: `limit 100000 delay 50ms loss 1%`. netem holds 1000 packets by
 * default and drops the rest, which a long delay at a high packet rate would exceed: the limit
 * keeps the loss what the fault asks for.
 */
export function netemOptions(figures: ZoneLatencyFigures): string {
  return `limit 100000 delay ${tcNumber(figures.delayMs)}ms loss ${tcNumber(figures.lossPercent)}%`;
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/**
 * The shell script (POSIX sh, as the SSM agent runs it) that adds `figures`' delay and loss on
 * the default-route interface's egress toward `cidrs` for `figures.seconds`, then removes it.
 * Steps: find the interface (`ip route show default`); refuse (stderr, exit 1) when its root
 * qdisc is not the kernel's default (handle `0:`); `prio bands 4` as root `1:`; a trap that
 * removes it on exit and on TERM, INT and HUP; a watchdog in its own session (`setsid`) that
 * removes it once the script is gone, as SSM kills a cancelled or timed-out command with
 * SIGKILL; `netem` as `40:` under band `1:4`; one `u32` filter per CIDR into `1:4`; `sleep`.
 * A marker file tells the watchdog whether the script's own cleanup already ran, so it never
 * removes a qdisc a later fault added.
 */
export function zoneLatencyScript(o: { cidrs: string[] } & ZoneLatencyFigures): string {
  if (o.cidrs.length === 0) throw new Error('zoneLatency: no CIDR to delay traffic toward');
  const bad = o.cidrs.filter((c) => !IPV4_CIDR.test(c));
  if (bad.length > 0) throw new Error(`zoneLatency: not an IPv4 CIDR block: ${bad.join(', ')}`);
  const netem = netemOptions(o);
  const toward = o.cidrs.join(' ');
  const what = `${netem} toward ${toward} for ${o.seconds} s`;
  return [
    '#!/bin/sh',
    `# terratower zone latency: tc netem ${what}`,
    'set -eu',
    'PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin"',
    'for tool in ip tc setsid mktemp; do',
    '  if ! command -v "$tool" >/dev/null 2>&1; then',
    '    echo "zone latency: $tool is missing: install iproute-tc (Amazon Linux) or iproute2 (Debian, Ubuntu), and util-linux" >&2',
    '    exit 1',
    '  fi',
    'done',
    `IF=$(ip route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')`,
    'if [ -z "$IF" ]; then',
    '  echo "zone latency: no default route, so no interface to delay" >&2',
    '  exit 1',
    'fi',
    'ROOT=$(tc qdisc show dev "$IF" root | head -n 1)',
    `HANDLE=$(echo "$ROOT" | awk '{ print $3 }')`,
    'if [ -n "$HANDLE" ] && [ "$HANDLE" != "0:" ]; then',
    '  echo "zone latency: $IF already has a root qdisc other than the default ($ROOT); refusing to replace it: let the fault that added it end, or remove it (tc qdisc del dev $IF root)" >&2',
    '  exit 1',
    'fi',
    'MARK=$(mktemp /tmp/terratower-zone-latency.XXXXXX)',
    'SLEEPER=',
    'cleanup() {',
    '  trap - EXIT INT TERM HUP',
    '  if [ -n "$SLEEPER" ]; then kill "$SLEEPER" 2>/dev/null || true; fi',
    '  tc qdisc del dev "$IF" root handle 1: 2>/dev/null || true',
    '  rm -f "$MARK"',
    '}',
    'if ! tc qdisc add dev "$IF" root handle 1: prio bands 4; then',
    '  rm -f "$MARK"',
    '  exit 1',
    'fi',
    'trap cleanup EXIT',
    "trap 'exit 143' TERM",
    "trap 'exit 130' INT",
    "trap 'exit 129' HUP",
    '# SSM cancels and times out with SIGKILL to this process group, which no trap sees: this watchdog,',
    '# in a session of its own, removes the qdisc once the script is gone without its cleanup (marker left).',
    "# shellcheck disable=SC2016 # $1, $2 and $3 are the watchdog's own arguments, expanded by its shell",
    `setsid sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; if [ -e "$3" ]; then tc qdisc del dev "$2" root handle 1: 2>/dev/null; rm -f "$3"; fi' zone-latency-watchdog "$$" "$IF" "$MARK" </dev/null >/dev/null 2>&1 &`,
    `if ! tc qdisc add dev "$IF" parent 1:4 handle 40: netem ${netem}; then`,
    '  echo "zone latency: tc could not add netem on $IF: the kernel needs sch_netem (Amazon Linux 2023: kernel-modules-extra)" >&2',
    '  exit 1',
    'fi',
    ...o.cidrs.map(
      (cidr) => `tc filter add dev "$IF" parent 1: protocol ip prio 1 u32 match ip dst ${cidr} flowid 1:4`,
    ),
    `echo "zone latency: ${netem} on $IF toward ${toward} for ${o.seconds} s"`,
    `sleep ${o.seconds} &`,
    'SLEEPER=$!',
    'wait "$SLEEPER"',
  ].join('\n');
}

/**
 * `AWS-RunShellScript`'s parameters for a script: `commands` (its lines) and `executionTimeout`
 * (the fault's seconds plus {@link EXECUTION_MARGIN_SECONDS}: the agent kills it after that).
 */
export function zoneLatencyParameters(script: string, seconds: number): Record<string, string[]> {
  return {
    commands: script.split('\n'),
    executionTimeout: [String(Math.ceil(seconds) + EXECUTION_MARGIN_SECONDS)],
  };
}

/** One instance a latency command goes to. */
export interface ZoneLatencyInstance {
  group: GroupName;
  /** Member id as `groupState` names it (`kafka-1`, or the instance id for app fleets). */
  memberId: string;
  /** EC2 instance id. */
  instanceId: string;
  zone: string;
}

/**
 * The instances a fault on `zone` takes: every in-service member of every group (not pending,
 * terminating, unhealthy, or frozen by a zone disruption), those in the zone and those in the
 * other zones. Throws when either side has none, saying what the members there are.
 */
export function zoneLatencyInstances(
  states: readonly (GroupState & { instanceIds: Record<string, string> })[],
  zone: string,
): { inZone: ZoneLatencyInstance[]; outside: ZoneLatencyInstance[] } {
  const inZone: ZoneLatencyInstance[] = [];
  const outside: ZoneLatencyInstance[] = [];
  for (const state of states)
    for (const m of state.members) {
      const instanceId = state.instanceIds[m.id];
      if (m.lifecycle !== 'InService' || !instanceId || !m.zone) continue;
      (m.zone === zone ? inZone : outside).push({ group: state.group, memberId: m.id, instanceId, zone: m.zone });
    }
  const describe = (here: boolean): string =>
    states
      .flatMap((s) => s.members.filter((m) => (m.zone === zone) === here).map((m) => `${m.id} ${m.lifecycle}`))
      .join(', ') || 'none';
  if (inZone.length === 0)
    throw new Error(
      `zoneLatency ${zone}: no instance in service in ${zone} to delay (members there: ${describe(true)})`,
    );
  if (outside.length === 0)
    throw new Error(
      `zoneLatency ${zone}: no instance in service in the other zones to delay (members there: ${describe(false)})`,
    );
  return { inZone, outside };
}

/**
 * The CIDR blocks of each zone's subnets, from `subnetIdsByZone` and DescribeSubnets' answer.
 * Throws naming a subnet the answer lacks or gives no IPv4 block.
 */
export function zoneCidrs(
  subnetIdsByZone: Record<string, string[]>,
  subnets: readonly { SubnetId?: string | undefined; CidrBlock?: string | undefined }[],
): Record<string, string[]> {
  const cidrOf = new Map(subnets.map((s) => [s.SubnetId, s.CidrBlock]));
  const out: Record<string, string[]> = {};
  for (const [zone, ids] of Object.entries(subnetIdsByZone)) {
    const missing = ids.filter((id) => !cidrOf.get(id));
    if (missing.length > 0)
      throw new Error(`zoneLatency: DescribeSubnets gave no IPv4 CIDR block for ${missing.join(', ')} (zone ${zone})`);
    out[zone] = ids.map((id) => cidrOf.get(id)!);
  }
  return out;
}

/** DescribeSubnets of every subnet in `subnetIdsByZone`: each zone's CIDR blocks (see {@link zoneCidrs}). */
export async function describeZoneCidrs(
  ec2: EC2Client,
  subnetIdsByZone: Record<string, string[]>,
): Promise<Record<string, string[]>> {
  const ids = Object.values(subnetIdsByZone).flat();
  if (ids.length === 0) return zoneCidrs(subnetIdsByZone, []);
  const res = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids }));
  return zoneCidrs(subnetIdsByZone, res.Subnets ?? []);
}

/** One SSM command of a fault: one script, sent to up to 50 instances on one side. */
export interface ZoneLatencyCommand {
  /** `zone`: instances in the zone, delaying toward the other zones; `others`: the reverse. */
  side: 'zone' | 'others';
  /** SSM command id (ListCommands / GetCommandInvocation / CancelCommand take it). */
  commandId: string;
  /** Where the instances delay their traffic to. */
  towardCidrs: string[];
  /** The instances, with their invocation status when the fault was in place (`InProgress` or `Success`). */
  instances: (ZoneLatencyInstance & { status: string })[];
  /** The script, as `commands` carries it line by line. */
  script: string;
  /** The document parameters sent. */
  parameters: Record<string, string[]>;
}

/** A fault that was sent and is in place: which instances, which commands, which script. */
export interface ZoneLatencyRun extends ZoneLatencyFigures {
  zone: string;
  /** Always `AWS-RunShellScript`. */
  documentName: string;
  /** The commands, those to the zone's instances first. */
  commands: ZoneLatencyCommand[];
  /** When the first command was sent (ISO 8601). */
  requestedAt: string;
  /** When the scripts end on their own (requestedAt + seconds; setup may add a few seconds). */
  endsAt: string;
  /** When `zoneRestore` ended it (ISO 8601); absent until then. */
  restoredAt?: string;
  /** Commands `zoneRestore` cancelled because they were still running. */
  cancelled?: string[];
}

/** What {@link runZoneLatency} sends. */
export interface ZoneLatencyRequest extends ZoneLatencyFigures {
  zone: string;
  /** In-service instances in the zone and in the other zones ({@link zoneLatencyInstances}). */
  inZone: ZoneLatencyInstance[];
  outside: ZoneLatencyInstance[];
  /** Every zone's subnet CIDR blocks ({@link describeZoneCidrs}). */
  cidrsByZone: Record<string, string[]>;
  /** Run id, put in the commands' comment so a console user sees whose command it is. */
  runId?: string;
  /** How long every invocation may take to start. @default 90 000 */
  startWithinMs?: number;
  /** Between invocation reads; also how long after the start the fault is checked once more. @default 2000 */
  pollMs?: number;
}

/** Split `items` into runs of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Cancel commands, best effort (a fault that failed halfway); says which could not be cancelled. */
async function cancelAll(ssm: SSMClient, commandIds: readonly string[]): Promise<string> {
  const failed: string[] = [];
  for (const id of commandIds)
    await ssm.send(new CancelCommandCommand({ CommandId: id })).catch((e: Error) => failed.push(`${id} (${e.name})`));
  if (commandIds.length === 0) return '';
  return failed.length === 0
    ? `; its commands ${commandIds.join(', ')} were cancelled`
    : `; cancelling its commands failed for ${failed.join(', ')}: their scripts end on their own`;
}

/**
 * Send the fault: one `AWS-RunShellScript` command (per 50 instances) to the zone's instances,
 * delaying toward the other zones' CIDR blocks, and one to the other zones' instances, delaying
 * toward the zone's; wait until every invocation has started, and read them once more after
 * `pollMs` (a script that refused, because a root qdisc was already there, has failed by then).
 * When anything goes wrong every command already sent is cancelled (the scripts' cleanup then
 * removes what they added) and the error names the problem and the fix.
 */
export async function runZoneLatency(ssm: SSMClient, request: ZoneLatencyRequest): Promise<ZoneLatencyRun> {
  const figures = validateZoneLatency(request);
  const { zone } = request;
  const zoneCidrBlocks = request.cidrsByZone[zone] ?? [];
  const otherCidrBlocks = Object.entries(request.cidrsByZone)
    .filter(([z]) => z !== zone)
    .flatMap(([, cidrs]) => cidrs);
  if (zoneCidrBlocks.length === 0) throw new Error(`zoneLatency ${zone}: no subnet CIDR block known in ${zone}`);
  if (otherCidrBlocks.length === 0)
    throw new Error(`zoneLatency ${zone}: no subnet CIDR block known in the other zones`);
  const sides = [
    { side: 'zone' as const, instances: request.inZone, towardCidrs: otherCidrBlocks },
    { side: 'others' as const, instances: request.outside, towardCidrs: zoneCidrBlocks },
  ];
  const planned = sides.flatMap(({ side, instances, towardCidrs }) => {
    const script = zoneLatencyScript({ cidrs: towardCidrs, ...figures });
    const parameters = zoneLatencyParameters(script, figures.seconds);
    return chunks(instances, MAX_INSTANCES_PER_COMMAND).map((part) => {
      const command: SsmCommandRequest = {
        ...PURPOSE,
        about: side === 'zone' ? `${zone} (instances in it)` : `${zone} (instances in the other zones)`,
        instanceIds: part.map((i) => i.instanceId),
        parameters,
        comment: `terratower ${request.runId ?? ''} zone latency ${zone} ${side} ${netemOptions(figures)} ${figures.seconds}s`,
        ...(request.startWithinMs !== undefined ? { startWithinMs: request.startWithinMs } : {}),
        ...(request.pollMs !== undefined ? { pollMs: request.pollMs } : {}),
      };
      return { side, part, towardCidrs, script, parameters, command };
    });
  });

  const sent: (SentSsmCommand & (typeof planned)[number])[] = [];
  // A failure part-way cancels every command already sent, and says what the cancel did.
  const cancelledAfter = async (error: unknown): Promise<Error> =>
    new Error(
      `${(error as Error).message}${await cancelAll(
        ssm,
        sent.map((s) => s.commandId),
      )}`,
      { cause: error },
    );
  try {
    for (const p of planned) sent.push({ ...p, ...(await sendSsmCommand(ssm, p.command)) });
  } catch (error) {
    throw await cancelledAfter(error);
  }
  let statuses: Map<string, string>[];
  try {
    await Promise.all(sent.map((s) => waitSsmCommandStarted(ssm, s.command, s.commandId)));
    // Once more after a poll: a script that refused (or could not add netem) has failed by now.
    await sleep(request.pollMs ?? 2000);
    statuses = await Promise.all(sent.map((s) => waitSsmCommandStarted(ssm, s.command, s.commandId)));
  } catch (error) {
    throw await cancelledAfter(error);
  }
  const requestedAt = sent[0]!.requestedAt;
  return {
    zone,
    ...figures,
    documentName: ZONE_LATENCY_DOCUMENT,
    commands: sent.map((s, k) => ({
      side: s.side,
      commandId: s.commandId,
      towardCidrs: s.towardCidrs,
      instances: s.part.map((i) => ({ ...i, status: statuses[k]!.get(i.instanceId)! })),
      script: s.script,
      parameters: s.parameters,
    })),
    requestedAt,
    endsAt: new Date(Date.parse(requestedAt) + figures.seconds * 1000).toISOString(),
  };
}

/** How a fault was done, for the journal: `tc netem via SSM Run Command (AWS-RunShellScript) on 9 instances`. */
export function zoneLatencyMethod(run: ZoneLatencyRun): string {
  const n = run.commands.reduce((sum, c) => sum + c.instances.length, 0);
  return `${ZONE_LATENCY_METHOD} on ${n} instance${n === 1 ? '' : 's'}`;
}

/** Command states in which the script may still be running. */
const RUNNING = new Set(['Pending', 'InProgress']);
/** …and those in which it may still be running after a cancel. */
const NOT_ENDED = new Set(['Pending', 'InProgress', 'Cancelling']);

async function commandStatus(ssm: SSMClient, commandId: string): Promise<string> {
  const res = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
  return res.Commands?.[0]?.Status ?? 'Unknown';
}

/**
 * End a fault early (`zoneRestore`): CancelCommand every command of `run` still Pending or
 * InProgress (the SSM agent kills the script; its watchdog removes the qdisc within a second),
 * then wait up to `waitMs` until none is still running or cancelling. Records `restoredAt` and
 * the commands cancelled on the run. Throws naming the commands and the fix when a cancel is
 * refused or does not end them in time.
 */
export async function endZoneLatency(
  ssm: SSMClient,
  run: ZoneLatencyRun,
  o: { waitMs?: number; pollMs?: number } = {},
): Promise<string[]> {
  const waitMs = o.waitMs ?? 60_000;
  const pollMs = o.pollMs ?? 2000;
  const cancelled: string[] = [];
  const refused: string[] = [];
  for (const c of run.commands) {
    if (!RUNNING.has(await commandStatus(ssm, c.commandId))) continue;
    try {
      await ssm.send(new CancelCommandCommand({ CommandId: c.commandId }));
      cancelled.push(c.commandId);
    } catch (error) {
      refused.push(`${c.commandId} (${(error as Error).name}: ${(error as Error).message})`);
    }
  }
  run.restoredAt = new Date().toISOString();
  run.cancelled = cancelled;
  if (refused.length > 0)
    throw new Error(
      `zoneRestore ${run.zone}: CancelCommand failed for ${refused.join('; ')}: the harness's credentials need ssm:CancelCommand; ` +
        `the latency stays until the scripts end on their own at ${run.endsAt}`,
    );
  const deadline = Date.now() + waitMs;
  let pending = cancelled;
  for (;;) {
    const states = await Promise.all(pending.map(async (id) => [id, await commandStatus(ssm, id)] as const));
    pending = states.filter(([, status]) => NOT_ENDED.has(status)).map(([id]) => id);
    if (pending.length === 0) return cancelled;
    if (Date.now() >= deadline)
      throw new Error(
        `zoneRestore ${run.zone}: commands ${pending.join(', ')} still running ${Math.round(waitMs / 1000)} s after CancelCommand: ` +
          `their SSM agents are not answering; the scripts end on their own at ${run.endsAt}`,
      );
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}
