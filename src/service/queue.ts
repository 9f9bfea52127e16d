/**
 * The durable run queue. Queued runs are run records with status `queued` in the run store, so
 * the queue survives the server: a server that starts finds runs a killed predecessor left
 * `running`, destroys what they deployed and marks them `interrupted`, and then goes on with the
 * queued ones. Runs execute one at a time per target slot (a slot is a twin's address range).
 */
import type { RunRecord, RunStore, RunSummary } from '../store/index.ts';
import { LiveRun } from './live.ts';

/** How a run ended, as the executor reports it. */
export interface ExecutionOutcome {
  /** `passed`/`failed` when the scenario ran, `error` when it could not. */
  status: 'passed' | 'failed' | 'error' | 'interrupted';
  error?: string;
}

/** What an executor is given for one run. */
export interface ExecutionContext {
  /** The target slot the run has to itself. */
  slot: number;
  /** Aborted when the run is cancelled or the server must stop now: rollbacks run, the stack is destroyed. */
  signal: AbortSignal;
  /** The run's live view: progress lines, events, samples. */
  live: LiveRun;
}

/**
 * Runs one queued run: deploy, scenario, report, record in the store, destroy. It records the
 * run's result in the store itself (the queue then only corrects the status of a cancelled run).
 */
export type RunExecutor = (run: RunRecord, context: ExecutionContext) => Promise<ExecutionOutcome>;

/** Destroys what an interrupted run left (its terraform state and twin). */
export type RunCleanup = (runId: string) => Promise<string>;

/** Options of the queue. */
export interface RunQueueOptions {
  store: RunStore;
  executor: RunExecutor;
  /** Target slots runs may use; one run at a time in each. @default [0] */
  slots?: readonly number[];
  cleanup: RunCleanup;
  /** Server log lines. */
  log?: (line: string) => void;
}

/** A run in flight. */
export interface InFlight {
  run: RunRecord;
  slot: number;
  startedAt: number;
  live: LiveRun;
  abort: AbortController;
  cancelRequested: boolean;
  done: Promise<void>;
}

/** What `cancel` did. */
export type CancelResult = 'cancelled' | 'cancelling' | 'not-found' | 'already-finished';

/** The queue. `start()` after `recover()`. */
export class RunQueue {
  private readonly slots: readonly number[];
  private readonly inFlight = new Map<number, InFlight>();
  private readonly log: (line: string) => void;
  private draining = false;
  private started = false;
  private kicking: Promise<void> = Promise.resolve();
  private readonly idleWaiters: (() => void)[] = [];
  /** Live views of runs that finished in this process (their last status for late subscribers), newest last. */
  private readonly recent = new Map<string, LiveRun>();

  constructor(private readonly options: RunQueueOptions) {
    this.slots = options.slots && options.slots.length > 0 ? options.slots : [0];
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Runs a previous server left `running`: destroy what each left and mark it `interrupted`.
   * Returns what was done, a line per run.
   */
  async recover(): Promise<string[]> {
    const stale = await this.options.store.listRuns({ status: 'running', limit: 1000 });
    const lines: string[] = [];
    for (const run of stale) {
      let detail: string;
      try {
        detail = await this.options.cleanup(run.id);
      } catch (error) {
        detail = `cleanup failed: ${(error as Error).message.split('\n')[0]}`;
      }
      await this.options.store.updateRun(run.id, {
        status: 'interrupted',
        finishedAt: new Date().toISOString(),
        error: `the server stopped while the run was in flight; on restart: ${detail}`,
      });
      const line = `run ${run.id} was in flight when the server stopped: ${detail}; marked interrupted`;
      lines.push(line);
      this.log(line);
    }
    return lines;
  }

  /** Start taking queued runs. */
  start(): void {
    this.started = true;
    this.kick();
  }

  /** Look for work now (after runs were queued). */
  kick(): void {
    this.kicking = this.kicking
      .then(() => this.fill())
      .catch((error) => this.log(`queue: ${(error as Error).message}`));
  }

  private async fill(): Promise<void> {
    if (!this.started || this.draining) return;
    const free = this.slots.filter((s) => !this.inFlight.has(s));
    if (free.length === 0) return;
    const queued = await this.queued();
    for (const slot of free) {
      const next = queued.shift();
      if (!next) break;
      const run = await this.options.store.getRun(next.id);
      if (run?.status !== 'queued') continue;
      this.begin(run, slot);
    }
    if (this.inFlight.size === 0) this.notifyIdle();
  }

  /** Queued runs, oldest first. */
  async queued(): Promise<RunSummary[]> {
    const runs = await this.options.store.listRuns({ status: 'queued', limit: 10_000 });
    return runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  private begin(run: RunRecord, slot: number): void {
    const live = new LiveRun(run.id);
    const abort = new AbortController();
    const startedAt = Date.now();
    const flight: InFlight = { run, slot, startedAt, live, abort, cancelRequested: false, done: Promise.resolve() };
    this.inFlight.set(slot, flight);
    this.log(
      `run ${run.id} (${run.scenario}${run.experiment ? `, ${run.experiment.variant} #${run.experiment.repetition}` : ''}) starts in slot ${slot}`,
    );
    flight.done = (async () => {
      await this.options.store.updateRun(run.id, { status: 'running', startedAt: new Date(startedAt).toISOString() });
      live.setStatus('running');
      let outcome: ExecutionOutcome;
      try {
        outcome = await this.options.executor(run, { slot, signal: abort.signal, live });
      } catch (error) {
        outcome = { status: 'error', error: (error as Error).message.split('\n')[0] ?? 'unknown error' };
      }
      const status = flight.cancelRequested ? 'cancelled' : outcome.status;
      const stored = await this.options.store.getRun(run.id);
      const finishedAt = new Date().toISOString();
      // The executor records the result; correct what it could not know (cancelled) or did not write (deploy failed).
      if (!stored || stored.status !== status)
        await this.options.store.updateRun(run.id, {
          status,
          finishedAt: stored?.finishedAt ?? finishedAt,
          ...(outcome.error && !stored?.error ? { error: outcome.error } : {}),
          ...(stored?.wallSeconds === undefined
            ? { wallSeconds: Math.round((Date.now() - startedAt) / 100) / 10 }
            : {}),
        });
      await this.settleExperiment(run);
      live.setStatus(status, outcome.error);
      this.log(`run ${run.id}: ${status}${outcome.error ? ` (${outcome.error})` : ''}`);
      this.inFlight.delete(slot);
      if (this.inFlight.size === 0) this.notifyIdle();
      this.recent.set(run.id, live);
      if (this.recent.size > 50) this.recent.delete(this.recent.keys().next().value as string);
      this.kick();
    })();
  }

  /** Once every run of the run's experiment has finished, mark the experiment finished too. */
  private async settleExperiment(run: RunRecord): Promise<void> {
    const id = run.experiment?.id;
    if (!id) return;
    const experiment = await this.options.store.getExperiment(id);
    if (!experiment) return;
    const runs = await this.options.store.listRuns({ experimentId: id, limit: 10_000 });
    if (runs.some((r) => r.status === 'queued' || r.status === 'running')) {
      if (experiment.status === 'queued') await this.options.store.putExperiment({ ...experiment, status: 'running' });
      return;
    }
    const status = runs.every((r) => r.status === 'cancelled')
      ? 'cancelled'
      : runs.some((r) => r.status === 'interrupted')
        ? 'interrupted'
        : 'completed';
    await this.options.store.putExperiment({ ...experiment, status, finishedAt: new Date().toISOString() });
  }

  /** Cancel a run: a queued one is marked cancelled at once; a running one is aborted (rollbacks, destroy) and marked when done. */
  async cancel(id: string): Promise<CancelResult> {
    for (const f of this.inFlight.values())
      if (f.run.id === id) {
        f.cancelRequested = true;
        f.abort.abort('cancelled');
        f.live.line('cancel requested: stopping the method, running rollbacks, destroying the stack');
        return 'cancelling';
      }
    const run = await this.options.store.getRun(id);
    if (!run) return 'not-found';
    if (run.status !== 'queued') return 'already-finished';
    await this.options.store.updateRun(id, { status: 'cancelled', finishedAt: new Date().toISOString() });
    return 'cancelled';
  }

  /** Runs in flight now. */
  running(): InFlight[] {
    return [...this.inFlight.values()];
  }

  /** The live view of a run in flight (or finished in this process), if any. */
  live(id: string): LiveRun | undefined {
    for (const f of this.inFlight.values()) if (f.run.id === id) return f.live;
    return this.recent.get(id);
  }

  /** Stop starting runs (queued ones stay queued for the next server). */
  drain(): void {
    this.draining = true;
  }

  /** Whether `drain()` was called. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Resolves when nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  private notifyIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Abort every run in flight (rollbacks run, stacks destroyed) and wait for them. */
  async abortAll(reason: string): Promise<void> {
    for (const f of this.inFlight.values()) f.abort.abort(reason);
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }
}
