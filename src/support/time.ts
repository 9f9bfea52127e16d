/** Waiting: the one sleep every layer above uses. */

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Ends the wait early when it aborts. */
  signal?: AbortSignal | undefined;
  /**
   * What an abort does: `reject` (default) throws `stopped: <reason>`, for work that must not go
   * on; `resolve` returns early, for loops that check the signal themselves.
   */
  onAbort?: 'reject' | 'resolve';
}

/** Waits `ms` milliseconds (at least 0), ending early when `options.signal` aborts. */
export function sleep(ms: number, options: SleepOptions | AbortSignal = {}): Promise<void> {
  const { signal, onAbort = 'reject' } = options instanceof AbortSignal ? { signal: options } : options;
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      if (onAbort === 'resolve') resolve();
      else reject(new Error(`stopped: ${String(signal?.reason)}`));
    };
    if (signal?.aborted) return stop();
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      },
      Math.max(0, ms),
    );
    const aborted = (): void => {
      clearTimeout(timer);
      stop();
    };
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
