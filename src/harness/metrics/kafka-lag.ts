/** Consumer-group lag read straight from Kafka (committed offsets vs high watermarks). */
import type { Admin } from 'kafkajs';

/** How long a metrics sample waits for a lag read before it takes the previous read's value, ms. */
export const LAG_BUDGET_MS = 600;
/** A lag value older than this is not reported any more (unknown instead), ms. */
export const LAG_STALE_MS = 10_000;

/** Reads one group's total lag on one topic; keeps one admin connection. */
export class KafkaLagReader {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private reading: Promise<number | undefined> | undefined;
  private last: { value: number; at: number } | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly groupId: string,
    private readonly topic: string,
    private readonly timeoutMs = 2000,
  ) {}

  private connect(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      // kafkajs loads on first use, not with `import('terratower')`.
      const { Kafka, logLevel } = await import('kafkajs');
      const kafka = new Kafka({
        clientId: 'terratower-harness-lag',
        brokers: this.brokers,
        logLevel: logLevel.NOTHING,
        connectionTimeout: this.timeoutMs,
        requestTimeout: this.timeoutMs,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Total lag in records; `undefined` when Kafka did not answer in time. */
  async lag(): Promise<number | undefined> {
    try {
      const admin = await withTimeout(this.connect(), this.timeoutMs);
      const [groupOffsets, topicOffsets] = await withTimeout(
        Promise.all([
          admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
          admin.fetchTopicOffsets(this.topic),
        ]),
        this.timeoutMs,
      );
      const committed = new Map<number, bigint>();
      for (const p of groupOffsets.find((t) => t.topic === this.topic)?.partitions ?? [])
        committed.set(p.partition, BigInt(p.offset));
      let total = 0n;
      for (const w of topicOffsets) {
        const high = BigInt(w.high);
        const low = BigInt(w.low);
        const c = committed.get(w.partition) ?? -1n;
        const from = c >= 0n ? c : low; // nothing committed yet: everything retained is lag
        if (high > from) total += high - from;
      }
      return Number(total);
    } catch {
      await this.close();
      return undefined;
    }
  }

  /**
   * The freshest lag there is within `budgetMs`: the result of a read that ends within the
   * budget, else the last successful read's result if it is younger than `LAG_STALE_MS`, marked
   * `stale` (good enough for a probe, not as proof that everything produced so far is committed
   * now). A read in flight is never doubled. With a frozen broker a read can take the whole
   * `timeoutMs`; the sampler must not stall its 1 s cadence on it.
   */
  async latest(budgetMs: number): Promise<{ lag: number | undefined; stale: boolean }> {
    this.reading ??= this.lag().then((value) => {
      if (value !== undefined) this.last = { value, at: Date.now() };
      this.reading = undefined;
      return value;
    });
    const fresh = await withTimeout(this.reading, budgetMs).catch(() => undefined);
    if (fresh !== undefined) return { lag: fresh, stale: false };
    const last = this.last && Date.now() - this.last.at <= LAG_STALE_MS ? this.last.value : undefined;
    return { lag: last, stale: last !== undefined };
  }

  /** Close the admin connection. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
