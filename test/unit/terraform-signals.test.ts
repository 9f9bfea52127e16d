import { describe, expect, it } from 'vitest';
import { CLEANUP_SIGNALS, onTerminationSignal, registeredCleanups } from '../../src/harness/terraform/signals.ts';

describe('termination-signal cleanups', () => {
  it('installs one handler per signal while cleanups are registered and removes it after the last', () => {
    const before = CLEANUP_SIGNALS.map((s) => process.listenerCount(s));
    const offA = onTerminationSignal(async () => undefined);
    const offB = onTerminationSignal(async () => undefined);
    expect(registeredCleanups()).toBe(2);
    expect(CLEANUP_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before.map((n) => n + 1));
    offA();
    expect(CLEANUP_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before.map((n) => n + 1));
    offB();
    expect(registeredCleanups()).toBe(0);
    expect(CLEANUP_SIGNALS.map((s) => process.listenerCount(s))).toEqual(before);
  });
});
