/** One-time setup once the twin's servers are up: topics, dataset bucket, keyspace and table. */
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { createKeyspaceCql, createSchemaTableCql } from '../../../apps/shared/schema.ts';
import type { PipelineSpec } from '../../spec/index.ts';
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

/** Create the sink keyspace (spec replication, NetworkTopologyStrategy in the region's DC) and table. */
export async function createSchema(spec: PipelineSpec, contactPoints: string[]): Promise<void> {
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter: spec.region,
    socketOptions: { connectTimeout: 5000, readTimeout: 30_000 },
    protocolOptions: { maxSchemaAgreementWaitSeconds: 30 },
  });
  const options = {
    keyspace: spec.cassandra.keyspace,
    table: spec.cassandra.table,
    dataCenter: spec.region,
    replicationFactor: spec.cassandra.replicationFactor,
  };
  try {
    await client.connect();
    await client.execute(createKeyspaceCql(options));
    // The driver waits up to maxSchemaAgreementWaitSeconds for the nodes to agree on the new
    // keyspace, then goes on regardless: on a busy machine agreement took longer, and CREATE TABLE
    // on a node that had not heard of the keyspace failed the boot. Until it has heard, retry.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await client.execute(createSchemaTableCql(options, spec.dataset.schema));
        break;
      } catch (error) {
        if (!/keyspace .* does ?n[o']t exist/i.test((error as Error).message) || Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** Create the dataset bucket. */
export async function createBucket(spec: PipelineSpec, s3Endpoint: string): Promise<void> {
  await ensureBucket(s3Endpoint, spec.region, spec.dataset.bucket);
}
