/**
 * The producer loop: list the objects, produce the ones this instance holds a claim on, batch
 * by batch: read lines → validate → send valid rows to the data topic (key = record id) and
 * malformed rows to the dead-letter topic → after the acknowledgement, checkpoint. The next
 * batch is read while the previous one is being sent; it is sent once that one is acknowledged.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CompressionTypes,
  Partitioners,
  type Admin,
  type Kafka,
  type PartitionMetadata,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { DEFAULT_BACKOFF, backoffDelay, sleep } from '../shared/backoff.ts';
import type { ProducerConfig } from '../shared/config.ts';
import { retryKafka } from '../shared/kafka.ts';
import type { Logger } from '../shared/log.ts';
import { stampMessages } from '../shared/messages.ts';
import { RateLimiter } from '../shared/rate-limiter.ts';
import { rowRules, type RowRules } from '../shared/record.ts';
import { deadLetterKey, encodeDeadLetter } from '../shared/messages.ts';
import { OpenSchedule } from '../shared/schedule.ts';
import { BatchBuilder, MAX_BATCH_BYTES, MAX_SEND_BYTES, UnreadableObjectError, type Batch } from './batch.ts';
import { ObjectClaims } from './claims.ts';
import { partitionOf } from './partition.ts';
import type { ProducerMetrics } from './metrics.ts';
import { listDataObjects, readObjectLines, type DataObject } from './objects.ts';
import { ObjectCheckpoints, ProgressStore } from './progress.ts';
import { sendRounds, unansweredMessages } from './send-rounds.ts';

/** Tuning knobs (environment: TT_BATCH_SIZE, TT_CHECKPOINT_MS, TT_RELIST_MS). */
export interface ProducerTuning {
  /**
   * Rows per batch at unlimited rate (a batch also ends at MAX_BATCH_BYTES). Large, because a
   * batch is sent only once the one before it is acknowledged, and an acks=all round trip costs
   * the same for few rows as for many: 2 000 rows reached 0.4× ProducerPerformance, 16 000
   * about 1× (bench/producer-variants.ts, when each partition was its own request).
   */
  batchSize: number;
  /** Checkpoint at most this often (and at the end of every object), ms. */
  checkpointIntervalMs: number;
  /** Re-list the bucket this often when idle, ms. */
  relistIntervalMs: number;
}

/** Defaults of `ProducerTuning`. */
export const DEFAULT_TUNING: ProducerTuning = { batchSize: 16_000, checkpointIntervalMs: 1000, relistIntervalMs: 5000 };

/** What a producer instance is doing, for `/admin/status` and logs. */
export interface ProducerStatus {
  objectsDone: number;
  current: { object: string; line: number } | null;
  workPartitions: number;
  recordsPerSecond: number;
  stopping: boolean;
}

/**
 * Rows per batch: `max` at unlimited rate; under a rate limit, enough rows to cover one and a
 * half recent send times at that rate (at least 100 ms worth). A batch is acknowledged before
 * the next is sent, so smaller batches cap the rate at batch ÷ send time: 100 ms worth of rows
 * with 330 ms acks=all round trips on a busy machine delivered 60 of 200 records/s.
 */
export function rateLimitedBatchSize(recordsPerSecond: number, sendSeconds: number, max: number): number {
  if (recordsPerSecond <= 0) return max;
  const seconds = Math.max(0.1, 1.5 * sendSeconds);
  return Math.max(1, Math.min(max, Math.round(recordsPerSecond * seconds)));
}

/** Thrown inside an object when this instance lost its claim on it. */
class ClaimLost extends Error {}

/** One producer instance. */
export class PipelineProducer {
  readonly limiter: RateLimiter;
  /** When each record is due (the open-model schedule the latency stamps use). */
  private readonly schedule = new OpenSchedule();
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private claims: ObjectClaims | undefined;
  private progress: ProgressStore | undefined;
  private stopping = false;
  private failed = false;
  private wake: (() => void) | undefined;
  private current: { object: string; line: number } | null = null;
  private objectsDone = 0;
  private loopDone: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Moving average of the time one batch takes from send to acknowledgement, seconds. */
  private sendSeconds = 0.1;
  /** The dataset's header and row validation (its schema, or the payments record). */
  private readonly rows: RowRules;
  /** Objects that failed, and when they may be retried. */
  private readonly retryAt = new Map<string, { at: number; attempt: number }>();

  constructor(
    private readonly config: ProducerConfig,
    private readonly kafka: Kafka,
    private readonly s3: S3Client,
    private readonly metrics: ProducerMetrics,
    private readonly log: Logger,
    private readonly tuning: ProducerTuning = DEFAULT_TUNING,
  ) {
    this.limiter = new RateLimiter(config.ratePerSecond);
    this.schedule.restart(config.ratePerSecond);
    this.rows = rowRules(config.schema);
    metrics.rateLimit.set(config.ratePerSecond);
  }

  /** Set the rate limit, records/s (0 = unlimited). */
  setRate(recordsPerSecond: number): void {
    this.limiter.setRate(recordsPerSecond);
    this.schedule.restart(recordsPerSecond);
    this.metrics.rateLimit.set(recordsPerSecond);
    this.log.info('rate changed', { recordsPerSecond });
  }

  /** Current state. */
  status(): ProducerStatus {
    return {
      objectsDone: this.objectsDone,
      current: this.current,
      workPartitions: this.claims?.partitionsHeld ?? 0,
      recordsPerSecond: this.metrics.meter.perSecond(),
      stopping: this.stopping,
    };
  }

  /**
   * Whether the instance is healthy: starting, working, idle or stopping all count; only a
   * loop that died does not (the group then replaces the member).
   */
  healthy(): boolean {
    return !this.failed;
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connect, create the internal topics, join the producers' group, start the loop. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    this.admin = admin;
    await retryKafka('admin connect', this.log, () => admin.connect());
    const { brokers } = await retryKafka('describe cluster', this.log, () => admin.describeCluster());
    const rf = Math.min(3, brokers.length);
    this.producer = this.newProducer();
    await retryKafka('producer connect', this.log, () => this.producer!.connect());
    const progress = new ProgressStore(
      this.kafka,
      admin,
      `${this.config.topic}.progress`,
      this.config.memberId,
      this.log,
    );
    this.progress = progress;
    await retryKafka('progress topic', this.log, () => progress.start(rf));
    const claims = new ObjectClaims(
      this.kafka,
      `${this.config.topic}.objects`,
      `${this.config.topic}.producers`,
      this.log,
    );
    this.claims = claims;
    await retryKafka('producers group', this.log, () => claims.start(admin, rf));
    this.loopDone = this.loop().catch((error: unknown) => {
      this.failed = true;
      this.log.error('producer loop died', { error });
    });
  }

  /** Stop reading, finish and checkpoint the current batch, disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    await this.claims?.stop().catch((error: unknown) => this.log.warn('leaving the group failed', { error }));
    await this.progress?.stop().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.abort.abort();
  }

  private async idle(ms: number): Promise<void> {
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let objects: DataObject[] = [];
      try {
        objects = await listDataObjects(this.s3, this.config.bucket, this.config.prefix);
        this.reportDataset(objects);
      } catch (error) {
        this.metrics.errors.inc({ kind: 's3-list' });
        this.log.warn('listing the bucket failed', { error, bucket: this.config.bucket, prefix: this.config.prefix });
      }
      let worked = false;
      for (const object of objects) {
        if (this.stopping) break;
        if (!this.claims!.owns(object.key)) continue;
        const retry = this.retryAt.get(object.key);
        if (retry && retry.at > Date.now()) continue;
        try {
          await this.progress!.catchUp();
        } catch (error) {
          this.log.warn('progress topic not readable', { error });
          break;
        }
        const checkpoint = this.progress!.get(object.key, object.etag);
        if (checkpoint?.done) continue;
        worked = true;
        await this.produceObjectSafely(object, checkpoint?.line ?? 0);
      }
      if (!worked) await this.idle(this.tuning.relistIntervalMs);
    }
  }

  /**
   * Publish how much of the listed dataset is produced, from the checkpoints tailed so far (every
   * instance's): the harness ends its drain early once some instance sees all of it produced.
   * A listing that failed leaves the last figures standing.
   */
  private reportDataset(objects: readonly DataObject[]): void {
    const produced = objects.filter((o) => this.progress?.get(o.key, o.etag)?.done).length;
    this.metrics.datasetObjects.set({ state: 'listed' }, objects.length);
    this.metrics.datasetObjects.set({ state: 'produced' }, produced);
  }

  private async produceObjectSafely(object: DataObject, afterLine: number): Promise<void> {
    this.metrics.objectsInProgress.set(1);
    try {
      const finished = await this.produceObject(object, afterLine);
      this.retryAt.delete(object.key);
      if (finished) {
        this.objectsDone++;
        this.metrics.objectsDone.inc();
        this.log.info('object done', { object: object.key });
      }
    } catch (caught) {
      if (caught instanceof ClaimLost) {
        this.log.info('claim lost; another instance continues the object', { object: object.key });
        return;
      }
      let error = caught;
      if (caught instanceof UnreadableObjectError) {
        try {
          await this.skipObject(object, caught.message);
          this.retryAt.delete(object.key);
          return;
        } catch (skipError) {
          error = skipError; // sending its dead letter failed: retried like any failure
        }
      }
      const previous = this.retryAt.get(object.key)?.attempt ?? -1;
      const delay = backoffDelay(DEFAULT_BACKOFF, previous + 1);
      this.retryAt.set(object.key, { at: Date.now() + delay, attempt: previous + 1 });
      this.metrics.errors.inc({ kind: 'object' });
      this.log.warn('object failed; will resume from its checkpoint', { object: object.key, error, retryInMs: delay });
    } finally {
      this.current = null;
      this.metrics.objectsInProgress.set(0);
    }
  }

  /**
   * Account for an object that cannot be read: one dead letter naming it and the reason (key
   * `<object>:0`, kind `unreadable-object`), then a `done` checkpoint so no instance tries again.
   * Rows of the object acknowledged before the failure (a gzip stream that breaks off) stay
   * produced; the reason says how far it got.
   */
  private async skipObject(object: DataObject, reason: string): Promise<void> {
    const reached = this.current?.object === object.key ? this.current.line : 0;
    const full = reached > 1 ? `${reason} (lines up to ${reached} were produced)` : reason;
    const key = deadLetterKey(object.key, 0);
    const value = encodeDeadLetter({
      stage: 'producer',
      kind: 'unreadable-object',
      reason: full,
      object: object.key,
      line: 0,
      raw: '',
      member: this.config.memberId,
      time: new Date().toISOString(),
    });
    const partitions = (await this.partitionsOf(this.config.deadLetterTopic)).length;
    await this.withProducerRetry('send', (producer) =>
      producer.send({
        topic: this.config.deadLetterTopic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [{ key, value, partition: partitionOf(key, partitions) }],
      }),
    );
    await this.checkpointWithRetry(object, Math.max(reached, 0), true);
    this.objectsDone++;
    this.metrics.objectsDone.inc();
    this.metrics.deadLettered.inc(1);
    this.metrics.errors.inc({ kind: 'object-unreadable' });
    this.log.warn('object skipped: unreadable', { object: object.key, reason: full });
  }

  /**
   * Produce one object from after `afterLine`. Returns true when the whole object is done.
   *
   * Two batches at most: one in flight (rate limit → send) while the next is read, validated
   * and encoded. A batch is sent only after the one before it was acknowledged, so a checkpoint
   * (sent along with the next batch, or on its own at the end) covers only acknowledged lines,
   * and stopping or losing the claim stops at an acknowledged boundary.
   */
  private async produceObject(object: DataObject, afterLine: number): Promise<boolean> {
    this.log.info('object start', { object: object.key, afterLine });
    this.current = { object: object.key, line: afterLine };
    this.schedule.restart();
    const checkpoints = new ObjectCheckpoints(
      (line, done) => this.checkpointWithRetry(object, line, done),
      afterLine,
      this.tuning.checkpointIntervalMs,
    );
    let inFlight: Promise<void> | undefined;
    try {
      for await (const batch of this.readBatches(object, afterLine)) {
        if (inFlight) {
          await inFlight;
          inFlight = undefined;
          // `batch` is not sent yet: everything before it is acknowledged.
          if (this.stopping) {
            await checkpoints.flush(false);
            return false;
          }
          if (!this.claims!.owns(object.key)) {
            await checkpoints.flush(false);
            throw new ClaimLost();
          }
        }
        inFlight = this.sendAndCheckpoint(object, batch, checkpoints);
        // Its error is awaited above or in `finally`; until then it must not count as unhandled.
        inFlight.catch(() => {});
      }
      if (inFlight) await inFlight;
      inFlight = undefined;
      await checkpoints.flush(true);
      return true;
    } finally {
      // Reading failed while a batch was in flight: let it settle before the object is retried.
      await inFlight?.catch(() => {});
    }
  }

  /** Rows in batches of up to `batchLimit()` (taken anew per batch: the rate may change); the last one may be empty. */
  private async *readBatches(object: DataObject, afterLine: number): AsyncGenerator<Batch> {
    const builder = new BatchBuilder(
      {
        object: object.key,
        member: this.config.memberId,
        dataPartitions: (await this.partitionsOf(this.config.topic)).length,
        deadPartitions: (await this.partitionsOf(this.config.deadLetterTopic)).length,
        rows: this.rows,
      },
      afterLine,
    );
    // Small batches first, growing 4× a batch: the first send starts soon, and each batch is
    // read in less time than the one before it takes to send.
    let limit = Math.ceil(this.batchLimit() / 8);
    try {
      for await (const { line, text } of readObjectLines(
        this.s3,
        this.config.bucket,
        object.key,
        afterLine,
        this.abort.signal,
      )) {
        builder.add(line, text);
        // Let timers and I/O (the batch in flight, health checks, metrics scrapes, heartbeats) run between rows.
        if (line % 256 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (builder.size >= limit || builder.bytes >= MAX_BATCH_BYTES) {
          yield builder.take();
          limit = Math.min(this.batchLimit(), limit * 4);
        }
      }
    } catch (error) {
      // A stream that breaks off (corrupt gzip): the records read before it are sent, as the
      // ledger's reading of the objects counts them; then the object is skipped.
      if (error instanceof UnreadableObjectError && builder.size > 0) {
        builder.end();
        yield builder.take();
      }
      throw error;
    }
    builder.end(); // a record still open at the end of the object was a stray quote
    yield builder.take();
  }

  /** Rows per batch for the current rate and the recent send time (see `rateLimitedBatchSize`). */
  private batchLimit(): number {
    return rateLimitedBatchSize(this.limiter.recordsPerSecond, this.sendSeconds, this.tuning.batchSize);
  }

  /**
   * Wait for the rate limiter, send `batch` — with a checkpoint of the lines acknowledged
   * before it, if one is due — and count it.
   */
  private async sendAndCheckpoint(object: DataObject, batch: Batch, checkpoints: ObjectCheckpoints): Promise<void> {
    if (batch.dataCount + batch.deadCount > 0) {
      const started = performance.now();
      await this.limiter.acquire(batch.dataCount);
      const sending = performance.now();
      // Latency stamps: produced now, due when the open-model schedule said (apps/shared/messages.ts).
      const dueOf = this.schedule.take(batch.dataCount);
      stampMessages([...batch.data.values()].flat(), Date.now(), dueOf);
      const due = checkpoints.due();
      const checkpoint =
        due === undefined
          ? undefined
          : (producer: Producer) => this.progress!.save(producer, object.key, object.etag, due, false);
      await this.sendWithRetry(batch, checkpoint);
      // Smoothed, so one slow send does not swing the next batch sizes (see `rateLimitedBatchSize`).
      this.sendSeconds = 0.7 * this.sendSeconds + 0.3 * ((performance.now() - sending) / 1000);
      if (due !== undefined) checkpoints.saved(due);
      this.metrics.records.inc(batch.dataCount);
      this.metrics.meter.mark(batch.dataCount);
      this.metrics.deadLettered.inc(batch.deadCount);
      this.log.debug('batch acknowledged', {
        object: object.key,
        lastLine: batch.lastLine,
        rows: batch.dataCount,
        dead: batch.deadCount,
        checkpoint: due,
        limiterMs: Math.round(sending - started),
        sendMs: Math.round(performance.now() - sending),
      });
    }
    this.current = { object: object.key, line: batch.lastLine };
    checkpoints.acknowledged(batch.lastLine);
  }

  /**
   * Send one batch: one `sendBatch` per round (`sendRounds`; usually one), all at once, so kafkajs
   * makes one produce request per broker. One `sendBatch` per partition, as before, made a request
   * per partition, and the idempotent producer sends one request at a time per broker: a batch
   * waited for four acks=all round trips per broker in a row.
   *
   * A multi-broker send that kafkajs retried can resolve without having written some partitions
   * (see `unansweredMessages`); those are re-sent until every partition was answered.
   */
  private async sendWithRetry(batch: Batch, alongside?: (producer: Producer) => Promise<void>): Promise<void> {
    const rounds = sendRounds(
      [
        [this.config.topic, batch.data],
        [this.config.deadLetterTopic, batch.dead],
      ],
      MAX_SEND_BYTES,
    );
    await this.withProducerRetry('send', (producer) =>
      Promise.all([...rounds.map((round) => this.sendUntilAnswered(producer, round)), alongside?.(producer)]),
    );
  }

  /** `sendBatch`, then again for whatever kafkajs skipped; after 5 passes it fails (and `withProducerRetry` takes over). */
  private async sendUntilAnswered(producer: Producer, topicMessages: TopicMessages[]): Promise<void> {
    let pending = topicMessages;
    for (let pass = 1; ; pass++) {
      const answered = await producer.sendBatch({
        topicMessages: pending,
        acks: -1,
        compression: CompressionTypes.GZIP,
      });
      const missing = unansweredMessages(pending, answered);
      if (missing.length === 0) return;
      const partitions = missing.map(
        (t) => `${t.topic}[${[...new Set(t.messages.map((m) => m.partition))].join(',')}]`,
      );
      if (pass >= 5) throw new Error(`kafkajs resolved ${pass} sends without writing ${partitions.join(' ')}`);
      this.metrics.errors.inc({ kind: 'kafka-unanswered' });
      this.log.warn('a retried send skipped partitions; sending them again', { partitions, pass });
      pending = missing;
    }
  }

  private readonly partitionCache = new Map<string, PartitionMetadata[]>();

  /** Partition metadata of a topic (cached: partition counts do not shrink). */
  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitionCache.get(topic);
    if (cached) return cached;
    const metadata = await retryKafka(`metadata of ${topic}`, this.log, () =>
      this.admin!.fetchTopicMetadata({ topics: [topic] }),
    );
    const partitions = metadata.topics[0]?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions (does it exist?)`);
    this.partitionCache.set(topic, partitions);
    return partitions;
  }

  private async checkpointWithRetry(object: DataObject, line: number, done: boolean): Promise<void> {
    await this.withProducerRetry('checkpoint', (producer) =>
      this.progress!.save(producer, object.key, object.etag, line, done),
    );
  }

  /**
   * Run `fn` with the producer until it succeeds. kafkajs retries transient errors itself; when
   * it gives up (a broker down for long, not enough in-sync replicas) the producer is replaced —
   * an idempotent producer's sequence state can be stale after a failure — and the batch is
   * re-sent (which may duplicate rows; the sink is idempotent). While stopping it gives up after
   * 30 s: nothing is lost, the unacknowledged rows are after the last checkpoint.
   */
  private async withProducerRetry<T>(what: string, fn: (producer: Producer) => Promise<T>): Promise<T> {
    const stopDeadline = (): number => Date.now() + 30_000;
    let deadline = this.stopping ? stopDeadline() : Infinity;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(this.producer!);
      } catch (error) {
        if (this.stopping && deadline === Infinity) deadline = stopDeadline();
        if (Date.now() > deadline) throw error;
        this.metrics.errors.inc({ kind: `kafka-${what}` });
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt);
        this.log.warn(`kafka ${what} failed; retrying`, { error, attempt, retryInMs: delay });
        const old = this.producer!;
        this.producer = this.newProducer();
        await old.disconnect().catch(() => {});
        await sleep(delay);
        await this.producer.connect().catch((e: unknown) => this.log.warn('producer reconnect failed', { error: e }));
      }
    }
  }
}
