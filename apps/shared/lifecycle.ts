/** Process lifecycle shared by the apps: signals, fatal errors, numeric env knobs. */
import type { Logger } from './log.ts';

/**
 * On SIGTERM/SIGINT run `stop` once, then exit 0 (1 if stopping failed). A second signal
 * exits at once. Unhandled errors are logged and exit 1.
 */
export function handleSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal; exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal });
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error('stop failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (error) => {
    log.error('unhandled rejection', { error });
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception', { error });
    process.exit(1);
  });
}

/** A positive integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number, env: Record<string, string | undefined> = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name}=${raw} is not a positive integer; e.g. ${fallback}`);
  return value;
}
