/**
 * Cleanup on SIGINT/SIGTERM/SIGHUP of the test process. While at least one cleanup is registered,
 * handlers are installed; on a signal every registered cleanup runs (concurrently), then the
 * handlers are removed and the signal is raised again so the process ends as it would have.
 * A second signal during cleanup is reported and ignored; a third exits at once (leaving the run
 * dirs for `sweepTerraformRunDirs`).
 */

/** A cleanup: receives the signal that triggered it. */
export type SignalCleanup = (signal: NodeJS.Signals) => Promise<void>;

/** Signals that trigger cleanup. */
export const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const cleanups = new Set<SignalCleanup>();
let cleaning: Promise<void> | undefined;
let signalsSeen = 0;

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

function onSignal(signal: NodeJS.Signals): void {
  signalsSeen++;
  if (cleaning) {
    if (signalsSeen >= 3) {
      process.stderr.write(
        `[terratower] ${signal} again: exiting without finishing cleanup; run \`terratower nuke\` later\n`,
      );
      process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
    }
    process.stderr.write(
      `[terratower] ${signal}: still destroying what this run created; send it once more to exit anyway\n`,
    );
    return;
  }
  process.stderr.write(`[terratower] ${signal}: destroying what this process deployed before exiting …\n`);
  const pending = [...cleanups];
  cleaning = Promise.allSettled(pending.map((fn) => fn(signal))).then((results) => {
    for (const r of results) {
      if (r.status === 'rejected') process.stderr.write(`[terratower] cleanup failed: ${String(r.reason)}\n`);
    }
    uninstall();
    process.kill(process.pid, signal);
  });
}

function install(): void {
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, onSignal);
}

/**
 * Registers a cleanup to run if the process gets SIGINT/SIGTERM/SIGHUP; returns the function
 * that unregisters it (handlers are removed with the last one).
 */
export function onTerminationSignal(cleanup: SignalCleanup): () => void {
  if (cleanups.size === 0 && !cleaning) install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0 && !cleaning) uninstall();
  };
}

/** Number of registered cleanups (for tests and diagnostics). */
export function registeredCleanups(): number {
  return cleanups.size;
}
