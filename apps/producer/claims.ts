/**
 * Which producer instance produces which object.
 *
 * Design: Kafka's group membership is the lease. Every producer joins the consumer group
 * `<topic>.producers` on a work topic `<topic>.objects` with WORK_PARTITIONS partitions (the topic
 * holds no messages; its partitions are only the units the group coordinator hands out). An
 * object belongs to work partition `fnv1a(key) mod WORK_PARTITIONS`, and an instance produces an
 * object only while its partition is assigned to it. The coordinator gives each partition to
 * exactly one live member; a killed member's partitions move to the others after the session
 * timeout; a restarted one gets a share back. Robust to kills without any lock we could leak.
 *
 * Overlap guard: an instance drops every claim the moment kafkajs reports a rebalance
 * (REBALANCING, CRASH, STOP) and gets claims back only from the next GROUP_JOIN; it also treats
 * its claims as void when its last heartbeat is older than half the session timeout (a frozen
 * instance may have been evicted). The producer checks `owns()` before every batch, so two
 * instances can overlap on one object for at most one batch. That, and resuming from the last
 * checkpoint, re-send some rows; the sink is idempotent, so re-sending is safe, losing is not.
 *
 * Watchdog: a member whose coordinator stops answering (its broker frozen, its zone cut off)
 * hears nothing, and kafkajs 2.2.4 may keep it waiting on that coordinator for the whole outage,
 * while the coordinator role has moved to a live broker within the broker session. When no
 * heartbeat has succeeded for `REJOIN_AFTER_MS`, the instance joins again as a new member, which
 * looks the coordinator up afresh; the old member leaves in the background (or the coordinator
 * expires it after the session timeout) and the group hands this instance its claims again.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../shared/log.ts';

/** Partitions of the work topic: the granularity of sharing objects among producers. */
export const WORK_PARTITIONS = 48;

/**
 * Session timeout of the producers' group, ms. Well above how long a live coordinator may hold a
 * heartbeat's answer: Kafka's group coordinator answers a classic heartbeat only once the
 * `__consumer_offsets` partition's earlier writes are replicated, and with a follower frozen (a
 * zone out) that waits until the follower leaves the ISR or is fenced, 10–20 s on the twin. With
 * 10 s the one producer of zone-outage was evicted by a coordinator that was alive in 3 of 4 logged runs
 * and stood still about 10 s more while it rejoined. (Kafka's own consumer default is 45 s.) The
 * price: a killed producer's objects move to the others after this long.
 */
export const SESSION_TIMEOUT_MS = 30_000;

/**
 * How long without a successful heartbeat before the instance rejoins as a new member, ms. Longer
 * than the session timeout, so an ordinary rebalance (which waits up to a session timeout for a
 * dead member) finishes first.
 */
export const REJOIN_AFTER_MS = 35_000;

/** 32-bit FNV-1a of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Work partition of an object key. */
export function workPartition(key: string, partitions = WORK_PARTITIONS): number {
  return fnv1a(key) % partitions;
}

/** Group membership that decides which objects this instance may produce. */
export class ObjectClaims {
  private owned = new Set<number>();
  private lastHeartbeat = 0;
  private lastJoinAttempt = 0;
  private rejoining = false;
  private watchdog: NodeJS.Timeout | undefined;
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly workTopic: string,
    private readonly groupId: string,
    private readonly log: Logger,
  ) {}

  /** Create the work topic if missing, join the group and keep the membership alive. */
  async start(admin: Admin, replicationFactor: number): Promise<void> {
    await ensureTopic(admin, this.workTopic, WORK_PARTITIONS, replicationFactor, {});
    await this.consumer?.disconnect().catch(() => {}); // a retried start
    await this.join();
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => void this.rejoinIfSilent(), 1000);
    this.watchdog.unref();
  }

  /** The watchdog's check (see the module comment). */
  private async rejoinIfSilent(): Promise<void> {
    const now = Date.now();
    if (this.rejoining || !this.consumer) return;
    if (now - Math.max(this.lastHeartbeat, this.lastJoinAttempt) < REJOIN_AFTER_MS) return;
    this.rejoining = true;
    const old = this.consumer;
    this.log.warn('no heartbeat from the producers group; rejoining as a new member', {
      silentMs: now - this.lastHeartbeat,
    });
    try {
      // Bounded: a join that never answers must not hold `rejoining` (and so every later rejoin).
      await joinWithin(this.join(), REJOIN_AFTER_MS);
      void old.disconnect().catch(() => {});
    } catch (error) {
      // Keep the old member (it may yet recover) and drop the half-joined one.
      const failed = this.consumer;
      this.consumer = old;
      if (failed !== old) void failed?.disconnect().catch(() => {});
      this.log.warn('rejoining the producers group failed; trying again', { error: (error as Error).message });
    } finally {
      this.rejoining = false;
    }
  }

  /** Join the group as a new member; this instance's claims follow that member from now on. */
  private async join(): Promise<void> {
    this.lastJoinAttempt = Date.now();
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      rebalanceTimeout: 30_000,
      maxWaitTimeInMs: 1000,
    });
    this.consumer = consumer;
    // Events of a member this instance has left behind (a rejoin) say nothing about its claims.
    const current = (): boolean => this.consumer === consumer;
    const drop = (why: string) => () => {
      if (!current()) return;
      if (this.owned.size > 0) this.log.info('claims dropped', { why });
      this.owned = new Set();
    };
    consumer.on(consumer.events.REBALANCING, drop('rebalancing'));
    consumer.on(consumer.events.CRASH, drop('consumer crashed'));
    consumer.on(consumer.events.STOP, drop('stopped'));
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (current()) this.lastHeartbeat = Date.now();
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (!current()) return;
      consumer.pause([{ topic: this.workTopic }]);
      const partitions = event.payload.memberAssignment[this.workTopic] ?? [];
      this.owned = new Set(partitions);
      this.lastHeartbeat = Date.now();
      this.log.info('claims assigned', { partitions: partitions.length, memberId: event.payload.memberId });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.workTopic, fromBeginning: false });
    // The topic carries no messages; running keeps the member's heartbeats going. Paused, it is
    // never fetched: kafkajs heartbeats from its fetch loop, so a fetch waiting on a frozen
    // partition leader (up to a request timeout, then a fetcher restart) could hold them up.
    await consumer.run({ eachMessage: async () => {} });
    consumer.pause([{ topic: this.workTopic }]);
  }

  /** Whether this instance may produce `key` now. */
  owns(key: string): boolean {
    if (Date.now() - this.lastHeartbeat > SESSION_TIMEOUT_MS / 2) return false;
    return this.owned.has(workPartition(key));
  }

  /** Number of work partitions held. */
  get partitionsHeld(): number {
    return this.owned.size;
  }

  /** Leave the group (the others take over at once). */
  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    this.owned = new Set();
    await this.consumer?.disconnect();
  }
}

/** `join`, or a rejection once `ms` have passed without it settling. */
async function joinWithin(join: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to the join in ${ms} ms`)), ms);
  });
  try {
    await Promise.race([join, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Create a topic if it does not exist (idempotent; tolerates a concurrent creator). */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  partitions: number,
  replicationFactor: number,
  config: Record<string, string>,
): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } catch (error) {
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !String(error).includes('already exists'))
      throw error;
  }
}
