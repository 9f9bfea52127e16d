/** One-time setup once the twin's servers are up: topics, dataset bucket, keyspace and table. */
import { createHash } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createKeyspaceCql, createSchemaTableCql } from '../../../apps/shared/schema.ts';
import type { PipelineSpec } from '../../spec/index.ts';
import { singleNodeClient } from '../members/cassandra.ts';
import { ensureBucket } from '../members/moto.ts';
import { sleep } from '../../support/time.ts';

/** Create the data and dead-letter topics (spec partitions, RF, min.insync.replicas) unless they exist. */
export async function createTopics(spec: PipelineSpec, bootstrap: string[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'terratower-twin-bootstrap',
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [spec.kafka.topic, spec.kafka.deadLetterTopic]
      .filter((t) => !existing.has(t))
      .map((topic) => ({
        topic,
        numPartitions: spec.kafka.partitions,
        replicationFactor: spec.kafka.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(spec.kafka.minInSyncReplicas) }],
      }));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: false, timeout: 30_000 });
    // kafkajs's waitForLeaders trips over UNKNOWN_TOPIC_OR_PARTITION while metadata propagates:
    // poll until every partition of both topics has a leader instead.
    const names = [spec.kafka.topic, spec.kafka.deadLetterTopic];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: names })
        .then((m) =>
          m.topics.every(
            (t) => t.partitions.length === spec.kafka.partitions && t.partitions.every((p) => p.leader >= 0),
          ),
        )
        .catch(() => false);
      if (ready) break;
      if (Date.now() > deadline)
        throw new Error(`topics ${names.join(', ')} have no leader for every partition after 60 s`);
      await sleep(300);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Create the sink keyspace (spec replication, NetworkTopologyStrategy in the region's DC) and
 * table, and return only once every node has both in its own schema.
 *
 * A node can miss the change its peer pushed (seen on the twin: a node that had just been dropped
 * and re-added by gossip never got the table, and would only have pulled it at its next periodic
 * schema check, a minute later, while the driver gave up waiting for agreement after 30 s and
 * the twin reported ready with a node that answered "unconfigured table"). So each node is asked
 * directly, and one that lacks the schema gets the same statements as its own coordinator. The
 * table carries a fixed id, so a node that creates it itself makes the same table, not a rival.
 */
export async function createSchema(spec: PipelineSpec, contactPoints: string[]): Promise<void> {
  const options = {
    keyspace: spec.cassandra.keyspace,
    table: spec.cassandra.table,
    dataCenter: spec.region,
    replicationFactor: spec.cassandra.replicationFactor,
  };
  const statements = [
    createKeyspaceCql(options),
    `${createSchemaTableCql(options, spec.dataset.schema)} WITH ID = ${sinkTableId(options.keyspace, options.table)}`,
  ];
  const addresses = contactPoints.map((c) => c.replace(/:\d+$/, ''));
  const pending = new Set(addresses);
  const deadline = Date.now() + 90_000;
  // Round 0: the first node coordinates the statements, and the others should hear of them from
  // it. Every third round after (about 3 s without the change arriving), a node still without
  // the table runs the statements itself.
  for (let round = 0; pending.size > 0; round++) {
    for (const address of [...pending]) {
      const has = await nodeHasTable(address, spec.region, options.keyspace, options.table);
      if (has) pending.delete(address);
      else if (round === 0 ? address === addresses[0] : round % 3 === 0)
        await runOnNode(address, spec.region, statements).catch(() => undefined);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      throw new Error(
        `Cassandra nodes ${[...pending].join(', ')} still lack table ${options.keyspace}.${options.table} after 90 s`,
      );
    await sleep(1000);
  }
}

/** A fixed table id for `keyspace.table` (a name-based UUID), the same on every node and run. */
export function sinkTableId(keyspace: string, table: string): string {
  const h = createHash('sha1').update(`terratower:${keyspace}.${table}`).digest('hex');
  // UUID version 5 layout: version nibble 5, variant bits 10.
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Whether the node itself has the table in its schema (false when it does not answer). */
async function nodeHasTable(address: string, dataCenter: string, keyspace: string, table: string): Promise<boolean> {
  const client = singleNodeClient(address, dataCenter);
  try {
    await client.connect();
    const rs = await client.execute(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, table],
    );
    return rs.rowLength === 1;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** Run schema statements with `address` as the coordinator. */
async function runOnNode(address: string, dataCenter: string, statements: readonly string[]): Promise<void> {
  const client = singleNodeClient(address, dataCenter);
  try {
    await client.connect();
    for (const statement of statements) await client.execute(statement);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** Create the dataset bucket. */
export async function createBucket(spec: PipelineSpec, s3Endpoint: string): Promise<void> {
  await ensureBucket(s3Endpoint, spec.region, spec.dataset.bucket);
}
