import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLatencyFault, latencyFaultProblem } from '../../src/spec/latency-fault.ts';
import { netdelayArgs, parseNetdelayReport } from '../../src/twin/daemon/zone-latency.ts';
import { NETDELAY_SOURCE_DIR, netdelaySourceVersion } from '../../src/twin/install/netdelay.ts';

describe('latency fault figures', () => {
  it('accepts a delay, a loss, or both, within their limits', () => {
    expect(latencyFaultProblem({ delayMs: 50, seconds: 30 })).toBeUndefined();
    expect(latencyFaultProblem({ delayMs: 0, lossPercent: 5, seconds: 1 })).toBeUndefined();
    expect(latencyFaultProblem({ delayMs: 60_000, lossPercent: 100, seconds: 3600 })).toBeUndefined();
  });

  it('refuses each figure out of range in one line naming the range', () => {
    expect(latencyFaultProblem({ delayMs: -1, seconds: 30 })).toBe(
      'latency delayMs -1: use 0 to 60000 (milliseconds, one way)',
    );
    expect(latencyFaultProblem({ delayMs: Number.NaN, seconds: 30 })).toMatch(/^latency delayMs NaN: use 0 to 60000/);
    expect(latencyFaultProblem({ delayMs: 10, lossPercent: 101, seconds: 30 })).toBe(
      'latency lossPercent 101: use 0 to 100',
    );
    expect(latencyFaultProblem({ delayMs: 10, seconds: 0 })).toBe('latency seconds 0: use more than 0, at most 3600');
    expect(latencyFaultProblem({ delayMs: 10, seconds: 3601 })).toMatch(/at most 3600/);
    expect(latencyFaultProblem({ delayMs: 0, lossPercent: 0, seconds: 10 })).toMatch(/changes nothing/);
  });

  it('names the fault by what it adds', () => {
    expect(describeLatencyFault({ delayMs: 50, lossPercent: 1, seconds: 30 })).toBe('+50 ms, 1 % loss for 30 s');
    expect(describeLatencyFault({ delayMs: 80, seconds: 12 })).toBe('+80 ms for 12 s');
    expect(describeLatencyFault({ delayMs: 0, lossPercent: 20, seconds: 5 })).toBe('20 % loss for 5 s');
  });
});

describe('netdelay process', () => {
  it('gets the figures and one -at per namespace', () => {
    expect(
      netdelayArgs({ delayMs: 50, lossPercent: 1, seconds: 30 }, [
        '/run/netns/a=10.0.1.0/24',
        '/run/netns/b=10.0.0.0/24',
      ]),
    ).toEqual([
      '-delay-ms',
      '50',
      '-loss-percent',
      '1',
      '-seconds',
      '30',
      '-at',
      '/run/netns/a=10.0.1.0/24',
      '-at',
      '/run/netns/b=10.0.0.0/24',
    ]);
    expect(netdelayArgs({ delayMs: 5, seconds: 1 }, [])).toContain('0');
  });

  it('reads its report line and nothing else', () => {
    expect(parseNetdelayReport('{"queued":10,"dropped":1,"delayed":9,"ranMs":5000}')).toEqual({
      queued: 10,
      dropped: 1,
      delayed: 9,
      ranMs: 5000,
    });
    expect(parseNetdelayReport('ready')).toBeUndefined();
    expect(parseNetdelayReport('{"queued":"many"}')).toBeUndefined();
    expect(parseNetdelayReport('{not json')).toBeUndefined();
  });

  it('is versioned by its source, so an edited source builds again', () => {
    const version = netdelaySourceVersion();
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const copy = mkdtempSync(join(tmpdir(), 'netdelay-src-'));
    try {
      cpSync(NETDELAY_SOURCE_DIR, copy, { recursive: true });
      expect(netdelaySourceVersion(copy)).toBe(version);
      appendFileSync(join(copy, 'main.go'), '\n// an edit\n');
      expect(netdelaySourceVersion(copy)).not.toBe(version);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
