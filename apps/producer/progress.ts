/**
 * Per-object checkpoints in the compacted topic `<topic>.progress` (key = `<object key>#<etag>`,
 * value = `Checkpoint` JSON). A checkpoint is written only after every row up to its line was
 * acknowledged by Kafka (acks=all), so resuming after it never loses a row. Every producer
 * instance tails the whole topic, so whoever takes an object over knows how far it got.
 */
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from '../shared/log.ts';
import { ensureTopic } from './claims.ts';

/** How far an object has been produced. */
export interface Checkpoint {
  /** Every line ≤ this one was produced (the header is line 1). */
  line: number;
  /** The whole object was produced. */
  done: boolean;
  /** Member that wrote it. */
  member: string;
  /** ISO 8601. */
  time: string;
}

/** Checkpoint key of an object version. */
export function checkpointKey(key: string, etag: string): string {
  return `${key}#${etag}`;
}

/** Reads and writes checkpoints. */
export class ProgressStore {
  private readonly checkpoints = new Map<string, Checkpoint>();
  /** Highest offset seen + 1, per partition. */
  private readonly position = new Map<number, bigint>();
  private consumer: Consumer | undefined;
  /** No reader runs: it stopped for good, fell behind for a whole catch-up, or its start failed. Replace it. */
  private readerDead = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly memberId: string,
    private readonly log: Logger,
  ) {}

  /** Create the topic if missing and start tailing it from the beginning. */
  async start(replicationFactor: number): Promise<void> {
    await ensureTopic(this.admin, this.topic, 1, replicationFactor, {
      'cleanup.policy': 'compact',
      'min.insync.replicas': String(Math.min(2, replicationFactor)),
    });
    await this.tail();
  }

  /**
   * Tail the topic from the beginning with a new reader, replacing the current one. What was read
   * stays: checkpoints never move backwards, so reading them again is harmless.
   */
  private async tail(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {}); // a retried start, or a restart
    this.readerDead = true; // until the new one runs: a failed start is replaced on the next catch-up
    // A private group that never commits: every start reads the topic from the beginning.
    const consumer = this.kafka.consumer({
      groupId: `${this.topic}.reader.${this.memberId}.${process.pid}.${Date.now()}`,
      maxWaitTimeInMs: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    this.consumer = consumer;
    // kafkajs restarts a reader after a retriable crash; after any other it stays down, and
    // every catch-up would wait out its timeout for ever: the next one starts a new reader.
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.consumer !== consumer || event.payload.restart) return;
      this.readerDead = true;
      this.log.warn('progress reader crashed and will not restart itself', { error: event.payload.error.message });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.position.set(partition, BigInt(message.offset) + 1n);
        if (!message.key) return;
        const key = message.key.toString('utf8');
        if (message.value === null) {
          this.checkpoints.delete(key);
          return;
        }
        try {
          const next = JSON.parse(message.value.toString('utf8')) as Checkpoint;
          const current = this.checkpoints.get(key);
          // Never move backwards (two instances may briefly overlap on an object).
          if (!current || (!current.done && (next.done || next.line > current.line))) this.checkpoints.set(key, next);
        } catch {
          this.log.warn('unreadable checkpoint', { key });
        }
      },
    });
    if (this.consumer === consumer) this.readerDead = false;
  }

  /**
   * Wait until everything written to the topic before this call has been read. A reader that
   * crashed for good, or that did not get there in `timeoutMs`, is replaced by a new one (the
   * call still fails, and the caller tries again later).
   */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    if (this.readerDead) await this.tail();
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = ends.some((e) => (this.position.get(e.partition) ?? 0n) < BigInt(e.high));
      if (!behind) return;
      if (Date.now() > deadline || this.readerDead) {
        const why = this.readerDead ? 'its reader crashed' : `not read up to its end after ${timeoutMs} ms`;
        this.readerDead = true; // the next catch-up starts a new reader
        throw new Error(`progress topic ${this.topic}: ${why}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The latest checkpoint of an object version, if any. */
  get(key: string, etag: string): Checkpoint | undefined {
    return this.checkpoints.get(checkpointKey(key, etag));
  }

  /** Record a checkpoint (call only after the rows up to `line` were acknowledged). */
  async save(producer: Producer, key: string, etag: string, line: number, done: boolean): Promise<void> {
    const checkpoint: Checkpoint = { line, done, member: this.memberId, time: new Date().toISOString() };
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: checkpointKey(key, etag), value: JSON.stringify(checkpoint) }],
    });
    const k = checkpointKey(key, etag);
    const current = this.checkpoints.get(k);
    if (!current || (!current.done && (done || line > current.line))) this.checkpoints.set(k, checkpoint);
  }

  /** Stop tailing. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/**
 * When to checkpoint one object: only lines reported as acknowledged; while producing at most
 * every `intervalMs`, as a write that travels with the next batch's send (`due`/`saved`: no
 * round trip of its own); and on `flush` (stopping, claim lost, object finished).
 */
export class ObjectCheckpoints {
  private acked: number;
  private savedLine: number;
  private savedAt: number;

  constructor(
    private readonly save: (line: number, done: boolean) => Promise<void>,
    /** The object's checkpoint when production started. */
    line: number,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.acked = line;
    this.savedLine = line;
    this.savedAt = now();
  }

  /** Every line ≤ `line` is acknowledged. */
  acknowledged(line: number): void {
    this.acked = line;
  }

  /** The acknowledged line, when a checkpoint of it is due. */
  due(): number | undefined {
    return this.now() - this.savedAt >= this.intervalMs && this.acked > this.savedLine ? this.acked : undefined;
  }

  /** A checkpoint of `line` (from `due`) was written. */
  saved(line: number): void {
    this.savedLine = Math.max(this.savedLine, line);
    this.savedAt = this.now();
  }

  /** Checkpoint the acknowledged line now; `done`: the whole object is produced (always written). */
  async flush(done: boolean): Promise<void> {
    if (!done && this.acked <= this.savedLine) return;
    const line = this.acked;
    await this.save(line, done);
    this.saved(line);
  }
}
