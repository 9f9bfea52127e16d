import { describe, expect, it } from 'vitest';
import {
  compileRetryTable,
  DEFAULT_RETRYABLE_ERRORS,
  doWithRetry,
  matchRetryableError,
} from '../../src/harness/terraform/retry.ts';

describe('retryable-error table', () => {
  it('matches transient provider and network failures from the default table', () => {
    const out = [
      '│ Error: Failed to query available provider packages',
      '│ Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to registry.terraform.io',
    ].join('\n');
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, out)).toBe('provider registry query failed');
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, 'read tcp 10.0.0.1:443: read: connection reset by peer')).toBe(
      'network connection reset',
    );
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, 'Error: error creating ASG: Throttling: Rate exceeded')).toBe(
      'AWS API throttling',
    );
    // Seen against a starved moto: the provider's retried attach after the first had gone through.
    const attach =
      'Error: creating EC2 Internet Gateway: attaching EC2 Internet Gateway (igw-9528b4aa5b212273b) to VPC (vpc-7ce65b802844a21ee): ' +
      'operation error EC2: AttachInternetGateway, https response error StatusCode: 400, RequestID: 75XF, ' +
      'api error Resource.AlreadyAssociated: Resource igw-9528b4aa5b212273b is already associated.';
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, attach)).toBe(
      'an attach the provider retried had gone through',
    );
  });

  it('does not match configuration errors, which must fail at once', () => {
    const out = '│ Error: Reference to undeclared resource\n│ A managed resource "aws_vpc" "x" has not been declared';
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, out)).toBeUndefined();
    expect(matchRetryableError(DEFAULT_RETRYABLE_ERRORS, '')).toBeUndefined();
  });

  it('matches case-insensitively, with custom tables, compiled or not', () => {
    const table = { 'marker file (\\w+) busy': 'marker busy' };
    expect(matchRetryableError(table, 'MARKER FILE abc BUSY')).toBe('marker busy');
    expect(matchRetryableError(compileRetryTable(table), 'marker file x busy')).toBe('marker busy');
    expect(matchRetryableError(table, 'marker file  busy')).toBeUndefined();
  });

  it('rejects an invalid pattern when the table is compiled', () => {
    expect(() => compileRetryTable({ '(unclosed': 'bad' })).toThrow(SyntaxError);
  });
});

describe('doWithRetry', () => {
  const policy = (maxRetries: number, onRetry?: (i: { attempt: number; reason: string }) => void) => ({
    description: 'apply',
    maxRetries,
    timeBetweenRetriesMs: 1,
    retryReason: (r: string) => (r === 'flaky' ? 'transient' : undefined),
    onRetry,
  });

  it('retries while the result is retryable, then returns the final one', async () => {
    const results = ['flaky', 'flaky', 'ok'];
    const retries: number[] = [];
    const out = await doWithRetry(
      policy(3, (i) => retries.push(i.attempt)),
      async (n) => results[n - 1] ?? 'none',
    );
    expect(out).toBe('ok');
    expect(retries).toEqual([1, 2]);
  });

  it('stops after maxRetries and returns the last retryable result', async () => {
    let calls = 0;
    const out = await doWithRetry(policy(2), async () => {
      calls++;
      return 'flaky';
    });
    expect(out).toBe('flaky');
    expect(calls).toBe(3);
  });

  it('does not retry a fatal result', async () => {
    let calls = 0;
    const out = await doWithRetry(policy(5), async () => {
      calls++;
      return 'fatal';
    });
    expect(out).toBe('fatal');
    expect(calls).toBe(1);
  });

  it('wakes from the pause between attempts when aborted, and makes no further retry', async () => {
    const aborter = new AbortController();
    let calls = 0;
    const started = Date.now();
    setTimeout(() => aborter.abort(), 20);
    const out = await doWithRetry({ ...policy(5), timeBetweenRetriesMs: 10_000, signal: aborter.signal }, async () => {
      calls++;
      return 'flaky';
    });
    expect(out).toBe('flaky');
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
