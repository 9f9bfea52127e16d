/**
 * The consumer loop: a kafkajs consumer group; each batch is validated, written to Cassandra with
 * bounded concurrency, and its offsets are resolved (and committed) only after every write of a
 * slice succeeded at the configured consistency — or its message went to the dead-letter topic.
 * A crash therefore redelivers, never skips; the upsert makes redelivery harmless.
 */
import {
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import { DEFAULT_BACKOFF, backoffDelay, sleep } from '../shared/backoff.ts';
import type { ConsumerConfig } from '../shared/config.ts';
import { retryKafka } from '../shared/kafka.ts';
import type { Logger } from '../shared/log.ts';
import { decodeDataMessage, deadLetterKey, encodeDeadLetter, readStamps, type DeadLetter } from '../shared/messages.ts';
import { rowRules, type RowRules } from '../shared/record.ts';
import { classifyWriteError } from './errors.ts';
import { LagMonitor } from './lag.ts';
import type { ConsumerMetrics } from './metrics.ts';
import { Semaphore } from './semaphore.ts';
import type { CassandraSink } from './sink.ts';

/** Tuning knobs (environment: TT_WRITE_CONCURRENCY, TT_SLICE_SIZE, TT_PARTITIONS_CONCURRENTLY, TT_LAG_POLL_MS). */
export interface ConsumerTuning {
  /** Cassandra writes in flight per member. */
  writeConcurrency: number;
  /** Messages whose offsets are resolved together (a crash redelivers at most this many per partition). */
  sliceSize: number;
  /** Partitions processed at the same time. */
  partitionsConcurrently: number;
  /**
   * How often the lag gauge is read again, ms. It must be no longer than the period the autoscaler
   * evaluates lag over: a twin running policies 60× fast evaluates every second, and a reading
   * held for five of its periods turned one rebalance's backlog into a scale-out.
   */
  lagPollMs: number;
}

/** Defaults of `ConsumerTuning`. */
export const DEFAULT_CONSUMER_TUNING: ConsumerTuning = {
  writeConcurrency: 128,
  sliceSize: 500,
  partitionsConcurrently: 3,
  lagPollMs: 5000,
};

/** Thrown when a write is abandoned (stopping, or the partition moved): the slice is not resolved. */
class Abandoned extends Error {}

/** One consumer instance. */
export class PipelineConsumer {
  private consumer: Consumer | undefined;
  private dlqProducer: Producer | undefined;
  private admin: Admin | undefined;
  private lag: LagMonitor | undefined;
  private stopping = false;
  private failed = false;
  private readonly writes: Semaphore;
  /** Row validation of the dataset's schema (or the payments record). */
  private readonly rows: RowRules;

  constructor(
    private readonly config: ConsumerConfig,
    private readonly kafka: Kafka,
    private readonly sink: CassandraSink,
    private readonly metrics: ConsumerMetrics,
    private readonly log: Logger,
    private readonly tuning: ConsumerTuning = DEFAULT_CONSUMER_TUNING,
  ) {
    this.writes = new Semaphore(tuning.writeConcurrency);
    this.rows = rowRules(config.schema);
  }

  /**
   * Whether the member is healthy: starting, consuming (also while retrying writes) and stopping
   * count; a consumer that kafkajs will not restart does not (the group then replaces it).
   */
  healthy(): boolean {
    return !this.failed;
  }

  /** Connect, join the group, start consuming and polling lag. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    this.admin = admin;
    await retryKafka('admin connect', this.log, () => admin.connect());
    // No kafkajs-internal retry: it can drop partitions whose leader moved (see apps/producer/producer.ts);
    // sendDeadLetters re-sends the whole batch instead.
    const dlq = this.kafka.producer({
      retry: { retries: 0 },
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.dlqProducer = dlq;
    await retryKafka('producer connect', this.log, () => dlq.connect());
    this.lag = new LagMonitor(
      this.admin,
      this.config.groupId,
      this.config.topic,
      this.metrics,
      this.log,
      this.tuning.lagPollMs,
    );
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 30_000,
      // kafkajs ends a rebalance only when every per-broker fetcher has ended, and a fetcher for a
      // broker that leads none of this member's partitions sleeps maxWaitTime before it looks
      // again. At the 5 s default each rebalance (a scale-in, a member replaced) stalled the whole
      // group about 5 s; the backlog that built up then read as a reason to scale out again.
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 1024 * 1024,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[this.config.topic] ?? [];
      this.lag?.setOwned(partitions);
      this.log.info('partitions assigned', { partitions });
    });
    consumer.on(consumer.events.REBALANCING, () => this.lag?.setOwned([]));
    consumer.on(consumer.events.CRASH, (event) => {
      this.metrics.errors.inc({ kind: 'consumer-crash' });
      this.log.error('consumer crashed', { error: event.payload.error, restart: event.payload.restart });
      if (!event.payload.restart) this.failed = true;
    });
    await retryKafka('consumer connect', this.log, () => consumer.connect());
    await retryKafka('subscribe', this.log, () =>
      consumer.subscribe({ topic: this.config.topic, fromBeginning: true }),
    );
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.tuning.partitionsConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.lag.start();
  }

  /** Finish in-flight batches, commit, leave the group, disconnect. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.lag?.stop();
    // disconnect() waits for the running batch, commits its resolved offsets, then leaves.
    await this.consumer?.disconnect();
    await this.dlqProducer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const messages = batch.messages;
    for (let start = 0; start < messages.length; start += this.tuning.sliceSize) {
      if (!isRunning() || isStale()) return;
      const slice = messages.slice(start, start + this.tuning.sliceSize);
      const abandon = (): boolean => !isRunning() || isStale();
      await this.processSlice(batch.partition, slice, heartbeat, abandon);
      // Every message of the slice is durable in Cassandra or in the dead-letter topic.
      resolveOffset(slice[slice.length - 1]!.offset);
      await payload.commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private async processSlice(
    partition: number,
    slice: KafkaMessage[],
    heartbeat: () => Promise<void>,
    abandon: () => boolean,
  ): Promise<void> {
    const dead: Message[] = [];
    const letter = (
      m: KafkaMessage,
      l: Omit<DeadLetter, 'stage' | 'member' | 'time' | 'partition' | 'offset'>,
    ): void => {
      this.metrics.deadLettered.inc({ kind: l.kind });
      dead.push({
        key: deadLetterKey(l.object, l.line),
        value: encodeDeadLetter({
          ...l,
          stage: 'consumer',
          member: this.config.memberId,
          time: new Date().toISOString(),
          partition,
          offset: m.offset,
        }),
      });
    };
    let lastBeat = Date.now();
    const beat = async (): Promise<void> => {
      if (Date.now() - lastBeat > 1000) {
        lastBeat = Date.now();
        await heartbeat();
      }
    };
    const writes: Promise<void>[] = [];
    let warned = false; // one warning per slice, not one per write
    for (const m of slice) {
      let decoded;
      try {
        decoded = decodeDataMessage(m.value);
      } catch (error) {
        letter(m, {
          kind: 'bad-message',
          reason: (error as Error).message,
          object: '',
          line: 0,
          raw: m.value?.toString('utf8') ?? '',
        });
        continue;
      }
      const result = this.rows.validate(decoded.fields);
      if (!result.ok) {
        letter(m, {
          kind: result.kind,
          reason: result.reason,
          object: decoded.object,
          line: decoded.line,
          raw: decoded.fields.join(','),
        });
        continue;
      }
      const { object, line } = decoded;
      writes.push(
        this.writes.run(async () => {
          const started = performance.now();
          for (let attempt = 0; ; attempt++) {
            try {
              await this.sink.write(result.record, object, line);
              this.metrics.writeSeconds.observe((performance.now() - started) / 1000);
              this.observeLatency(m);
              this.metrics.records.inc();
              this.metrics.meter.mark();
              return;
            } catch (error) {
              if (classifyWriteError(error) === 'permanent') {
                this.metrics.errors.inc({ kind: 'write-rejected' });
                letter(m, {
                  kind: 'write-rejected',
                  reason: `Cassandra rejected the write: ${(error as Error).message}`,
                  object,
                  line,
                  raw: decoded.fields.join(','),
                });
                return;
              }
              this.metrics.retries.inc();
              this.metrics.errors.inc({ kind: 'write-transient' });
              if (abandon()) throw new Abandoned('stopping or partition reassigned');
              const delay = backoffDelay(DEFAULT_BACKOFF, attempt);
              if (attempt % 10 === 0 && !warned) {
                warned = true;
                this.log.warn('write failed; retrying', {
                  error: (error as Error).message,
                  attempt,
                  retryInMs: delay,
                  partition,
                });
              }
              await sleep(delay);
            }
          }
        }),
      );
      if (writes.length % 50 === 0) await beat();
    }
    // Wait for all writes, heart-beating so a slow cluster does not cost the membership.
    let settled = false;
    const all = Promise.allSettled(writes).then((r) => {
      settled = true;
      return r;
    });
    while (!settled) {
      await Promise.race([all, sleep(1000)]);
      if (!settled) await heartbeat();
    }
    const results = await all;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (dead.length > 0) await this.sendDeadLetters(dead);
  }

  /** Produce → durable write, and how far behind schedule the record was produced. */
  private observeLatency(m: KafkaMessage): void {
    const { producedMs, behindMs } = readStamps(m);
    if (!Number.isFinite(producedMs) || producedMs <= 0) return;
    this.metrics.e2eSeconds.observe(Math.max(0, Date.now() - producedMs) / 1000);
    this.metrics.behindScheduleSeconds.observe(behindMs / 1000);
  }

  private async sendDeadLetters(messages: Message[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.dlqProducer!.send({ topic: this.config.deadLetterTopic, acks: -1, messages });
        return;
      } catch (error) {
        this.metrics.errors.inc({ kind: 'dlq-send' });
        if (this.stopping && attempt > 5) throw error;
        const delay = backoffDelay(DEFAULT_BACKOFF, attempt);
        this.log.warn('dead-letter send failed; retrying', { error, attempt, retryInMs: delay });
        await sleep(delay);
      }
    }
  }
}
