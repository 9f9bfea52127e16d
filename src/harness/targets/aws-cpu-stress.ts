/**
 * CPU stress on AWS the way AWS FIS's `aws:ssm:send-command` action runs it: SSM Run Command
 * with the Amazon-owned document `AWSFIS-Run-CPU-Stress` (stress-ng on the instance) sent to
 * the in-service instances of a group, then a bounded wait until every invocation has at least
 * started. The document's parameters: `DurationSeconds` (required), `CPU` (number of CPU
 * stressors, "0" = all), `LoadPercent` (0–100, document default 100) and `InstallDependencies`
 * (install stress-ng when missing, document default True). The send and the wait are shared with
 * the other Run Command faults (`aws-zone-latency.ts`): `sendSsmCommand`, `waitSsmCommandStarted`.
 */
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type CommandInvocationStatus,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { GroupName } from '../../spec/index.ts';
import type { GroupState } from '../../model/target.ts';
import { sleep } from '../../support/time.ts';

/** The FIS SSM document that burns CPU. */
export const CPU_STRESS_DOCUMENT = 'AWSFIS-Run-CPU-Stress';

/** One instance a stress goes to. */
export interface CpuStressInstance {
  /** Member id as `groupState` names it (`kafka-1`, or the instance id for app fleets). */
  memberId: string;
  /** EC2 instance id. */
  instanceId: string;
}

/** What to stress, and how hard. */
export interface CpuStressRequest {
  /** Group the instances belong to (for messages and the command's comment). */
  group: GroupName;
  /** The instances; at least one (see `cpuStressInstances`). */
  instances: CpuStressInstance[];
  /** Seconds of stress; rounded up to whole seconds. */
  seconds: number;
  /** CPU stressors per instance (the document's `CPU`); 0 means one per vCPU. @default 1 */
  cpus?: number;
  /** Target load of each stressor, percent (the document's `LoadPercent`). @default the document's (100) */
  loadPercent?: number;
  /** Run id, put in the command's comment so a console user sees whose command it is. */
  runId?: string;
  /** How long every invocation may take to start (InProgress or Success). @default 90 000 */
  startWithinMs?: number;
  /** Between invocation reads. @default 2000 */
  pollMs?: number;
}

/** One instance's invocation of a sent stress command. */
export interface CpuStressInvocation extends CpuStressInstance {
  /** Invocation status when the wait ended: `InProgress` or `Success`. */
  status: CommandInvocationStatus | string;
}

/** A stress that was sent and started: which instances, which command, which parameters. */
export interface CpuStressRun {
  group: GroupName;
  /** SSM command id (ListCommands / GetCommandInvocation / CancelCommand take it). */
  commandId: string;
  /** Always `AWSFIS-Run-CPU-Stress`. */
  documentName: string;
  /** The document parameters sent. */
  parameters: Record<string, string[]>;
  /** Every instance the command went to, with its invocation status. */
  invocations: CpuStressInvocation[];
  /** When it was sent (ISO 8601). */
  requestedAt: string;
}

/** Invocation states that count as "the stress is running or has run". */
const STARTED = new Set<string>(['InProgress', 'Success']);
/** Invocation states that will not start any more. */
const FINISHED_BADLY = new Set<string>(['Failed', 'Cancelled', 'Cancelling', 'TimedOut']);

/** The fix for an instance SSM cannot reach, said once for every message that needs it. */
export const SSM_MANAGED_FIX =
  "the stack's instance role needs AmazonSSMManagedInstanceCore (terratower's constructs grant the equivalent, ssmManagedInstanceStatements) " +
  'and the AMI must run the SSM agent; `aws ssm describe-instance-information` lists the instances SSM manages';

/**
 * The members a stress takes: those in service (not pending, terminating, unhealthy, or frozen
 * by a zone disruption), limited to `memberIds` when given. Throws when none is left, saying
 * what the group's members are.
 */
export function cpuStressInstances(
  state: GroupState & { instanceIds: Record<string, string> },
  memberIds?: string[],
): CpuStressInstance[] {
  if (memberIds) {
    const unknown = memberIds.filter((id) => !state.members.some((m) => m.id === id));
    if (unknown.length > 0) throw new Error(`stressCpu ${state.group}: no member(s) ${unknown.join(', ')}`);
  }
  const picked = state.members
    .filter((m) => m.lifecycle === 'InService' && (!memberIds || memberIds.includes(m.id)))
    .map((m) => ({ memberId: m.id, instanceId: state.instanceIds[m.id] ?? '' }))
    .filter((i) => i.instanceId !== '');
  if (picked.length === 0) {
    const members = state.members.map((m) => `${m.id} ${m.lifecycle}`).join(', ') || 'none';
    const which = memberIds ? ` among ${memberIds.join(', ')}` : '';
    throw new Error(
      `stressCpu ${state.group}: no member in service${which} to stress (members: ${members}; desired ${state.desired})`,
    );
  }
  return picked;
}

/** The document parameters for a stress, as SendCommand takes them (every value a string list). */
export function cpuStressParameters(seconds: number, cpus = 1, loadPercent?: number): Record<string, string[]> {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`stressCpu: seconds must be > 0 (got ${seconds})`);
  if (!Number.isInteger(cpus) || cpus < 0)
    throw new Error(`stressCpu: workers must be a whole number ≥ 0 (got ${cpus}; 0 means every vCPU)`);
  const parameters: Record<string, string[]> = {
    DurationSeconds: [String(Math.ceil(seconds))],
    CPU: [String(cpus)],
    InstallDependencies: ['True'],
  };
  if (loadPercent !== undefined) {
    if (!(loadPercent >= 0 && loadPercent <= 100))
      throw new Error(`stressCpu: loadPercent must be 0–100 (got ${loadPercent})`);
    parameters.LoadPercent = [String(Math.round(loadPercent))];
  }
  return parameters;
}

const INSTANCE_ID = /\bi-[0-9a-f]{8,17}\b/g;

/** Which fault a SendCommand was for, to say so in its messages. */
export interface SsmCommandPurpose {
  /** The Target method that sent it, first word of every message: `stressCpu`, `zoneLatency`. */
  action: string;
  /** The SSM document sent. */
  documentName: string;
}

const CPU_STRESS_PURPOSE: SsmCommandPurpose = { action: 'stressCpu', documentName: CPU_STRESS_DOCUMENT };

/**
 * A SendCommand failure in words that name the problem and the fix. `InvalidInstanceId` (the
 * instance is not a managed node: no agent, agent not registered, or a role without SSM) names
 * the instances from the message when it lists them, else every targeted one. `purpose` says
 * which fault and document the command was (default: the CPU stress).
 */
export function explainSendCommandError(
  error: unknown,
  instanceIds: string[],
  purpose: SsmCommandPurpose = CPU_STRESS_PURPOSE,
): Error {
  const { action, documentName } = purpose;
  const e = error as { name?: string; message?: string };
  const name = e?.name ?? 'Error';
  const message = e?.message ?? String(error);
  if (name === 'InvalidInstanceId') {
    const listed = [...new Set(message.match(INSTANCE_ID) ?? [])].filter((id) => instanceIds.includes(id));
    const ids = listed.length > 0 ? listed : instanceIds;
    const subject = ids.length === 1 ? `instance ${ids[0]} is` : `instances ${ids.join(', ')} are`;
    return new Error(
      `${action}: ${subject} not managed by SSM: ${SSM_MANAGED_FIX} (SendCommand: InvalidInstanceId: ${message})`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException') {
    return new Error(
      `${action}: the harness may not run ${documentName}: its credentials need ssm:SendCommand on the document and the instances, ` +
        `and ssm:GetCommandInvocation (SendCommand: ${message})`,
      { cause: error },
    );
  }
  if (name === 'InvalidDocument' || name === 'InvalidParameters') {
    return new Error(`${action}: SSM rejected ${documentName} or its parameters (${name}: ${message})`, {
      cause: error,
    });
  }
  return new Error(`${action}: SendCommand ${documentName} failed (${name}: ${message})`, { cause: error });
}

/** One read of an invocation: its status, and why when it went wrong. */
async function readInvocation(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
): Promise<{ status: string; detail: string }> {
  try {
    const r = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    const detail = [r.StatusDetails, r.StandardErrorContent?.trim()].filter(Boolean).join(': ');
    return { status: r.Status ?? 'Pending', detail };
  } catch (error) {
    // Right after SendCommand the invocation may not exist yet.
    if ((error as { name?: string }).name === 'InvocationDoesNotExist')
      return { status: 'Pending', detail: 'not created yet' };
    throw error;
  }
}

/** A Run Command to send, and how long its invocations may take to start. */
export interface SsmCommandRequest extends SsmCommandPurpose {
  /** What the command is about, after the action in messages: the group, or the zone. */
  about: string;
  /** Instances to run it on (at most 50, SendCommand's limit). */
  instanceIds: string[];
  /** The document parameters, as SendCommand takes them. */
  parameters: Record<string, string[]>;
  /** The command's comment (cut to SendCommand's 100 characters). */
  comment: string;
  /** How long every invocation may take to start (InProgress or Success). @default 90 000 */
  startWithinMs?: number;
  /** Between invocation reads. @default 2000 */
  pollMs?: number;
}

/** A command SSM accepted. */
export interface SentSsmCommand {
  commandId: string;
  /** When it was sent (ISO 8601). */
  requestedAt: string;
}

/**
 * SendCommand with `request`'s document, parameters and comment, and a delivery timeout of
 * `startWithinMs` (an instance that has not picked the command up by then never runs it).
 * Throws {@link explainSendCommandError}'s words when SSM refuses.
 */
export async function sendSsmCommand(ssm: SSMClient, request: SsmCommandRequest): Promise<SentSsmCommand> {
  const startWithinMs = request.startWithinMs ?? 90_000;
  const requestedAt = new Date().toISOString();
  let commandId: string;
  try {
    const res = await ssm.send(
      new SendCommandCommand({
        DocumentName: request.documentName,
        InstanceIds: request.instanceIds,
        Parameters: request.parameters,
        TimeoutSeconds: Math.max(30, Math.ceil(startWithinMs / 1000)),
        Comment: request.comment.replace(/\s+/g, ' ').slice(0, 100),
      }),
    );
    commandId = res.Command?.CommandId ?? '';
  } catch (error) {
    throw explainSendCommandError(error, request.instanceIds, request);
  }
  if (!commandId) throw new Error(`${request.action} ${request.about}: SendCommand returned no command id`);
  return { commandId, requestedAt };
}

/**
 * Wait (at most `startWithinMs`) until every invocation of a sent command is InProgress or
 * Success; resolves to each instance's status then. Throws with the problem and the fix when an
 * invocation failed, or when one has not started in time (the command is then cancelled so a
 * late delivery does not run later).
 */
export async function waitSsmCommandStarted(
  ssm: SSMClient,
  request: SsmCommandRequest,
  commandId: string,
): Promise<Map<string, string>> {
  const { instanceIds, documentName } = request;
  const subject = `${request.action} ${request.about}`;
  const startWithinMs = request.startWithinMs ?? 90_000;
  const pollMs = request.pollMs ?? 2000;
  const status = new Map<string, { status: string; detail: string }>(
    instanceIds.map((id) => [id, { status: 'Pending', detail: '' }]),
  );
  const deadline = Date.now() + startWithinMs;
  for (;;) {
    const waiting = instanceIds.filter((id) => !STARTED.has(status.get(id)!.status));
    const reads = await Promise.all(waiting.map(async (id) => [id, await readInvocation(ssm, commandId, id)] as const));
    for (const [id, read] of reads) status.set(id, read);
    const failed = instanceIds.filter((id) => FINISHED_BADLY.has(status.get(id)!.status));
    if (failed.length > 0) {
      const what = failed
        .map((id) => `${id} ${status.get(id)!.status}${status.get(id)!.detail ? ` (${status.get(id)!.detail})` : ''}`)
        .join('; ');
      throw new Error(
        `${subject}: ${documentName} did not run on ${what} (command ${commandId}); ` +
          `an undeliverable or timed-out invocation means the instance is not reachable through SSM: ${SSM_MANAGED_FIX}`,
      );
    }
    const notStarted = instanceIds.filter((id) => !STARTED.has(status.get(id)!.status));
    if (notStarted.length === 0) break;
    if (Date.now() >= deadline) {
      await ssm.send(new CancelCommandCommand({ CommandId: commandId })).catch(() => undefined);
      const what = notStarted.map((id) => `${id} ${status.get(id)!.status}`).join(', ');
      throw new Error(
        `${subject}: ${documentName} had not started within ${Math.round(startWithinMs / 1000)} s on ${what} ` +
          `(command ${commandId}, cancelled): the SSM agent there is not online — ${SSM_MANAGED_FIX}`,
      );
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  return new Map(instanceIds.map((id) => [id, status.get(id)!.status]));
}

/**
 * Send `AWSFIS-Run-CPU-Stress` to the instances and wait (at most `startWithinMs`) until every
 * invocation is InProgress or Success. Throws with the problem and the fix when SSM refuses an
 * instance, when an invocation fails, or when one has not started in time (the command is then
 * cancelled so a late delivery does not stress later).
 */
export async function runCpuStress(ssm: SSMClient, request: CpuStressRequest): Promise<CpuStressRun> {
  if (request.instances.length === 0) throw new Error(`stressCpu ${request.group}: no instance to stress`);
  const parameters = cpuStressParameters(request.seconds, request.cpus ?? 1, request.loadPercent);
  const command: SsmCommandRequest = {
    ...CPU_STRESS_PURPOSE,
    about: request.group,
    instanceIds: request.instances.map((i) => i.instanceId),
    parameters,
    comment: `terratower ${request.runId ?? ''} CPU stress ${request.group} ${parameters.DurationSeconds![0]}s`,
    ...(request.startWithinMs !== undefined ? { startWithinMs: request.startWithinMs } : {}),
    ...(request.pollMs !== undefined ? { pollMs: request.pollMs } : {}),
  };
  const { commandId, requestedAt } = await sendSsmCommand(ssm, command);
  const status = await waitSsmCommandStarted(ssm, command, commandId);
  return {
    group: request.group,
    commandId,
    documentName: CPU_STRESS_DOCUMENT,
    parameters,
    invocations: request.instances.map((i) => ({ ...i, status: status.get(i.instanceId)! })),
    requestedAt,
  };
}
