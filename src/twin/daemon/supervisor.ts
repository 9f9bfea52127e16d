/** One member process: how it is spawned, signalled and watched. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MemberLifecycle, MemberState } from '../../model/target.ts';
import { MEMBER_ENV, RUN_ENV, type LaunchPlan, type MemberIdentity } from '../members/types.ts';
import { signal as sendSignal } from '../../support/process.ts';
import { ELB_HEALTH_DEFAULTS, HealthRecord } from '../controller/health.ts';

/** How a member process ended. */
export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
}

/** A running (or just ended) incarnation of a member. */
export class Member {
  readonly launchedAtMs = Date.now();
  lifecycle: MemberLifecycle = 'Pending';
  /** Set once the process has exited. */
  exit?: MemberExit;
  /** The controller or a fault is terminating it on purpose. */
  terminating = false;
  /** Its zone is frozen: the process is SIGSTOPped. */
  frozen = false;
  /** Its health checks (app members; stateful members are checked for readiness only). */
  readonly health = new HealthRecord(ELB_HEALTH_DEFAULTS);
  /** CPU stress processes attached to it. */
  readonly stressPids = new Set<number>();
  /** A readiness or health probe is in flight. */
  probing = false;
  /** When each of its ports was first seen listening (port → epoch ms); boot timeline. */
  readonly listeningAtMs = new Map<number, number>();
  /** When it first passed its readiness check (epoch ms); boot timeline. */
  readyAtMs?: number;
  private readonly child: ChildProcess;
  private readonly exitWaiters: Array<() => void> = [];

  /** Spawn the member's process with the run tag, its output appended to its log file. */
  constructor(
    readonly identity: MemberIdentity,
    plan: LaunchPlan,
    runId: string,
    onExit: (member: Member) => void,
  ) {
    mkdirSync(dirname(identity.logFile), { recursive: true });
    mkdirSync(identity.dataDir, { recursive: true });
    const fd = openSync(identity.logFile, 'a');
    writeSync(
      fd,
      `\n=== ${new Date().toISOString()} terratower: launching ${identity.id} on ${identity.address}: ${plan.command} ${plan.args.join(' ')}\n`,
    );
    try {
      this.child = spawn(plan.command, plan.args, {
        cwd: plan.cwd,
        env: { ...process.env, ...plan.env, [RUN_ENV]: runId, [MEMBER_ENV]: identity.id },
        stdio: ['ignore', fd, fd],
        // Same process group as the daemon: killing the daemon's group kills every member.
        detached: false,
      });
    } finally {
      closeSync(fd);
    }
    this.child.once('error', (error) => {
      this.exit ??= { code: null, signal: null, atMs: Date.now() };
      this.lifecycle = 'Terminating';
      writeErr(identity.logFile, `terratower: failed to start ${identity.id}: ${error.message}`);
      this.settle(onExit);
    });
    this.child.once('exit', (code, sig) => {
      this.exit = { code, signal: sig, atMs: Date.now() };
      this.settle(onExit);
    });
  }

  private settle(onExit: (member: Member) => void): void {
    for (const pid of this.stressPids) sendSignal(pid, 'SIGKILL');
    this.stressPids.clear();
    for (const waiter of this.exitWaiters.splice(0)) waiter();
    onExit(this);
  }

  /** Process id (undefined if spawning failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get id(): string {
    return this.identity.id;
  }

  /** Whether the process has ended. */
  get dead(): boolean {
    return this.exit !== undefined;
  }

  /** Send a signal to the process (and SIGCONT first if it is frozen and the signal must be handled). */
  signal(sig: NodeJS.Signals): boolean {
    if (this.pid === undefined || this.dead) return false;
    if (this.frozen && sig !== 'SIGKILL' && sig !== 'SIGSTOP') sendSignal(this.pid, 'SIGCONT');
    return sendSignal(this.pid, sig);
  }

  /** Resolve when the process has exited, or after `timeoutMs`. Returns whether it exited. */
  waitForExit(timeoutMs: number): Promise<boolean> {
    if (this.dead) return Promise.resolve(true);
    return new Promise((resolveWait) => {
      const timer = setTimeout(() => resolveWait(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolveWait(true);
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.terminating = true;
    this.lifecycle = 'Terminating';
    if (this.dead) return;
    this.signal('SIGTERM');
    if (!(await this.waitForExit(graceMs))) {
      this.signal('SIGKILL');
      await this.waitForExit(5000);
    }
  }

  /** The member as the Target API reports it, plus pid and log file. */
  state(): MemberState & { pid?: number; logFile: string; group: string } {
    return {
      id: this.identity.id,
      group: this.identity.group,
      zone: this.identity.zone,
      lifecycle: this.frozen && !this.dead ? 'Frozen' : this.lifecycle,
      address: this.identity.address,
      launchedAt: new Date(this.launchedAtMs).toISOString(),
      ...(this.pid !== undefined ? { pid: this.pid } : {}),
      logFile: this.identity.logFile,
    };
  }
}

function writeErr(logFile: string, line: string): void {
  try {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `${line}\n`);
    closeSync(fd);
  } catch {
    // best effort
  }
}

/** Describe how a process ended, for activity causes. */
export function describeExit(exit: MemberExit | undefined): string {
  if (!exit) return 'still running';
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
