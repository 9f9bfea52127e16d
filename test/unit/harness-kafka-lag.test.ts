/** KafkaLagReader.latest: the sampler's cadence never waits on a slow lag read, and says when a value is reused. */
import { describe, expect, it, vi } from 'vitest';
import { KafkaLagReader, LAG_STALE_MS } from '../../src/harness/metrics/kafka-lag.ts';

/** A reader whose reads are answered by the test (the Kafka side is covered by the scenario tier). */
class ScriptedReader extends KafkaLagReader {
  reads = 0;
  answer: ((value: number | undefined) => void) | undefined;
  constructor() {
    super(['127.0.0.1:1'], 'g', 't');
  }
  override lag(): Promise<number | undefined> {
    this.reads += 1;
    return new Promise((resolve) => (this.answer = resolve));
  }
}

describe('KafkaLagReader.latest', () => {
  it('returns a read that ends within the budget', async () => {
    const reader = new ScriptedReader();
    const pending = reader.latest(500);
    reader.answer!(42);
    expect((await pending).lag).toBe(42);
  });

  it('returns the previous value when a read is slow, without starting a second read', async () => {
    const reader = new ScriptedReader();
    const first = reader.latest(500);
    reader.answer!(10);
    expect((await first).lag).toBe(10);
    // The next read hangs (a frozen broker): two samples in a row take the old value.
    expect((await reader.latest(20)).lag).toBe(10);
    expect((await reader.latest(20)).lag).toBe(10);
    expect(reader.reads).toBe(2);
    reader.answer!(99);
    await new Promise((r) => setTimeout(r, 0));
    expect((await reader.latest(20)).lag).toBe(99);
  });

  it("says when the value is the previous read's (stale), and when it is fresh", async () => {
    const reader = new ScriptedReader();
    const first = reader.latest(500);
    reader.answer!(0);
    expect(await first).toEqual({ lag: 0, stale: false });
    // The next read is slow: the 0 comes back, marked stale.
    expect(await reader.latest(20)).toEqual({ lag: 0, stale: true });
    reader.answer!(787);
    await new Promise((r) => setTimeout(r, 0));
    const third = reader.latest(500);
    reader.answer!(787);
    expect(await third).toEqual({ lag: 787, stale: false });
  });

  it('keeps the last known value when a read fails', async () => {
    const reader = new ScriptedReader();
    const first = reader.latest(500);
    reader.answer!(7);
    await first;
    const second = reader.latest(500);
    reader.answer!(undefined);
    expect((await second).lag).toBe(7);
  });

  it('reports unknown once the last value is older than LAG_STALE_MS', async () => {
    vi.useFakeTimers();
    try {
      const reader = new ScriptedReader();
      const first = reader.latest(500);
      reader.answer!(7);
      await first;
      vi.setSystemTime(Date.now() + LAG_STALE_MS + 1);
      const late = reader.latest(20);
      await vi.advanceTimersByTimeAsync(20);
      expect((await late).lag).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
