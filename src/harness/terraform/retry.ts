import { sleep } from '../../support/time.ts';
/**
 * Retries of terraform commands, as Terratest's `retry.DoWithRetryableErrors`: a table of
 * regular expressions over a command's output names the transient failures worth another try;
 * anything else fails at once.
 */

/** Pattern (regular expression source, matched case-insensitively) → why it is worth a retry. */
export type RetryableErrorTable = Readonly<Record<string, string>>;

/**
 * Transient failures of init/plan/apply/destroy: network trouble while fetching providers or
 * modules, plugin start-up races, state lock contention, providers that settle late.
 */
export const DEFAULT_RETRYABLE_ERRORS: RetryableErrorTable = {
  'connection reset by peer': 'network connection reset',
  'transport is closing': 'plugin or API transport closed',
  'unable to verify (signature|checksum)': 'provider download corrupted in transit',
  'registry service is unreachable': 'registry unreachable',
  'Failed to query available provider packages': 'provider registry query failed',
  'Error installing provider': 'provider install failed',
  'could not query provider registry for': 'provider registry query failed',
  'timeout while waiting for plugin to start': 'plugin start timed out',
  'timed out waiting for server handshake': 'plugin handshake timed out',
  'Provider produced inconsistent result after apply': 'eventually consistent provider',
  'Error acquiring the state lock': 'state locked by a command that is finishing',
  'TLS handshake timeout': 'network timeout',
  'i/o timeout': 'network timeout',
  'RequestLimitExceeded|Throttling|Rate exceeded': 'AWS API throttling',
  // The provider retries an attach it did not hear back from; when the first try went through,
  // the retry fails with this. Another apply replaces the tainted resource.
  'Resource\\.AlreadyAssociated': 'an attach the provider retried had gone through',
};

/** Compiled form of a table: regular expressions with their reasons. */
export interface CompiledRetryTable {
  entries: ReadonlyArray<{ pattern: RegExp; reason: string }>;
}

/** Compiles a table once (invalid patterns throw here, not in the middle of a run). */
export function compileRetryTable(table: RetryableErrorTable): CompiledRetryTable {
  return {
    entries: Object.entries(table).map(([source, reason]) => ({ pattern: new RegExp(source, 'i'), reason })),
  };
}

/**
 * Returns the reason of the first table entry whose pattern occurs in `output`, or undefined
 * when the failure is not in the table (so it must not be retried).
 */
export function matchRetryableError(
  table: RetryableErrorTable | CompiledRetryTable,
  output: string,
): string | undefined {
  const compiled =
    'entries' in table && Array.isArray(table.entries)
      ? (table as CompiledRetryTable)
      : compileRetryTable(table as RetryableErrorTable);
  for (const { pattern, reason } of compiled.entries) {
    if (pattern.test(output)) return reason;
  }
  return undefined;
}

/** What {@link doWithRetry} needs to know. */
export interface RetryPolicy<T> {
  /** Words for logs: `apply`, `destroy`. */
  description: string;
  /** Retries after the first attempt (0: one attempt only). */
  maxRetries: number;
  /** Pause between attempts, ms. */
  timeBetweenRetriesMs: number;
  /** Returns the reason to retry `result`, or undefined when it is final (success or fatal). */
  retryReason: (result: T) => string | undefined;
  /** Called before each retry. */
  onRetry?: (info: { attempt: number; reason: string; description: string }) => void;
  /** Stops retrying (the last result is returned) once this signal aborts. */
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it gives a result with no retry reason or the retries are used up;
 * returns the last result. `attempt` receives the 1-based attempt number.
 */
export async function doWithRetry<T>(policy: RetryPolicy<T>, attempt: (n: number) => Promise<T>): Promise<T> {
  let n = 1;
  for (;;) {
    const result = await attempt(n);
    const reason = policy.retryReason(result);
    if (reason === undefined || n > policy.maxRetries || policy.signal?.aborted) return result;
    policy.onRetry?.({ attempt: n, reason, description: policy.description });
    await sleep(policy.timeBetweenRetriesMs, { signal: policy.signal, onAbort: 'resolve' });
    n++;
  }
}
