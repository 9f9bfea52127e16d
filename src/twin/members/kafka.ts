/** A Kafka broker of the twin: KRaft, combined broker + controller, its own loopback address. */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PORTS } from '../../spec/ports.ts';
import { cdsFlags, type CdsTraining } from '../install/cds.ts';
import { kafkaBootstrapTemplate, kafkaClasspath, kafkaLibDir, kafkaPrefix } from '../install/kafka.ts';
import { jvmTempFlags, runTagProperty, type LaunchPlan, type MemberIdentity } from './types.ts';

/** What a broker's configuration depends on. */
export interface KafkaMemberOptions {
  runId: string;
  /** Kafka `node.id` (1-based, stable across replacements). */
  nodeId: number;
  /** `node.id@host:port` of every controller voter. */
  quorumVoters: string[];
  /** Brokers in the cluster (caps internal topics' replication). */
  brokers: number;
  /** JVM heap, MiB. */
  heapMiB: number;
}

/**
 * JVM flags shared by broker and storage tool: small heap, serial GC, C1 only, run tag. C1 only
 * (`TieredStopAtLevel=1`): a twin's JVM lives minutes, and C2 spent much of them compiling; on
 * the 2-core machine the whole twin boots in 20–24 s instead of 30–33 s with it, and
 * apps-pipeline's 30 000 rows go through in 31 s instead of 56 s (the storage tool: a third of a
 * default start's CPU).
 */
function jvmFlags(runId: string, heapMiB: number, log4j: string, dataDir: string): string[] {
  return [
    ...jvmTempFlags(dataDir),
    `-Xmx${heapMiB}m`,
    `-Xms${Math.min(heapMiB, 128)}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:MaxDirectMemorySize=256m',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    runTagProperty(runId),
  ];
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

/** Write server.properties and the log4j2 config into the member's data dir; returns their paths. */
export function writeKafkaConfig(
  member: MemberIdentity,
  o: KafkaMemberOptions,
): { properties: string; log4j: string; logDir: string } {
  const confDir = join(member.dataDir, 'conf');
  const logDir = join(member.dataDir, 'data');
  mkdirSync(confDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const internalRf = Math.min(3, o.brokers);
  const lines = [
    `process.roles=broker,controller`,
    `node.id=${o.nodeId}`,
    `controller.quorum.voters=${o.quorumVoters.join(',')}`,
    `listeners=PLAINTEXT://${member.address}:${PORTS.kafkaClient},CONTROLLER://${member.address}:${PORTS.kafkaController}`,
    `advertised.listeners=PLAINTEXT://${member.address}:${PORTS.kafkaClient}`,
    `controller.listener.names=CONTROLLER`,
    `inter.broker.listener.name=PLAINTEXT`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    `log.dirs=${logDir}`,
    `broker.rack=${member.zone}`,
    `num.partitions=1`,
    `auto.create.topics.enable=false`,
    `offsets.topic.replication.factor=${internalRf}`,
    `offsets.topic.num.partitions=6`,
    `transaction.state.log.replication.factor=${internalRf}`,
    `transaction.state.log.min.isr=${Math.min(2, internalRf)}`,
    `share.coordinator.state.topic.replication.factor=${internalRf}`,
    `share.coordinator.state.topic.min.isr=${Math.min(2, internalRf)}`,
    `group.initial.rebalance.delay.ms=0`,
    `num.network.threads=2`,
    `num.io.threads=4`,
    `num.recovery.threads.per.data.dir=1`,
    `log.segment.bytes=67108864`,
    `log.retention.hours=24`,
    `replica.lag.time.max.ms=10000`,
    `unclean.leader.election.enable=false`,
    // A shared 2-core machine can starve a JVM for seconds: keep the KRaft quorum from churning
    // leaders and the broker from giving up on its first registration while it is slow.
    `controller.quorum.election.timeout.ms=3000`,
    `controller.quorum.fetch.timeout.ms=6000`,
    `controller.quorum.request.timeout.ms=6000`,
    `initial.broker.registration.timeout.ms=600000`,
  ];
  const properties = join(confDir, 'server.properties');
  writeFileSync(properties, `${lines.join('\n')}\n`);
  const log4j = join(confDir, 'log4j2.properties');
  writeFileSync(log4j, LOG4J2);
  return { properties, log4j, logDir };
}

/** Whether the broker's log dir is already formatted (a replacement keeps its storage). */
export function kafkaStorageFormatted(member: MemberIdentity): boolean {
  return existsSync(join(member.dataDir, 'data', 'meta.properties'));
}

/**
 * Format a member's KRaft log dir: meta.properties (cluster id, node id, a fresh directory id)
 * plus the version's bootstrap.checkpoint from the install cache — what StorageTool `format`
 * writes, without a JVM per broker. Falls back to StorageTool when the template is missing.
 */
export async function formatKafkaStorage(
  member: MemberIdentity,
  o: KafkaMemberOptions,
  clusterId: string,
): Promise<void> {
  const { properties, log4j, logDir } = writeKafkaConfig(member, o);
  const template = kafkaBootstrapTemplate();
  if (existsSync(template)) {
    copyFileSync(template, join(logDir, 'bootstrap.checkpoint'));
    const meta = [
      '#',
      `#${new Date().toString()}`,
      `node.id=${o.nodeId}`,
      `directory.id=${newKafkaClusterId()}`,
      'version=1',
      `cluster.id=${clusterId}`,
      '',
    ].join('\n');
    writeFileSync(join(logDir, 'meta.properties.tmp'), meta);
    renameSync(join(logDir, 'meta.properties.tmp'), join(logDir, 'meta.properties'));
    return;
  }
  const args = [
    ...jvmFlags(o.runId, 256, log4j, member.dataDir),
    '-Xshare:auto',
    '-cp',
    kafkaClasspath(),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    properties,
    '--ignore-formatted',
  ];
  const child = spawn('java', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TERRATOWER_RUN: o.runId },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolveExit(status ?? 1));
  });
  if (code !== 0)
    throw new Error(`kafka storage format for ${member.id} failed (exit ${code}):\n${output.slice(-2000)}`);
}

/** The broker's command line (mapping the class-data archive when there is one). */
export function kafkaLaunchPlan(member: MemberIdentity, o: KafkaMemberOptions): LaunchPlan {
  const { properties, log4j } = writeKafkaConfig(member, o);
  return {
    command: 'java',
    args: [
      ...jvmFlags(o.runId, o.heapMiB, log4j, member.dataDir),
      ...cdsFlags('kafka', kafkaLibDir()),
      '-cp',
      kafkaClasspath(),
      'kafka.Kafka',
      properties,
    ],
    env: {},
    cwd: member.dataDir,
  };
}

/** Loopback address of the class-data training broker: outside every slot's address plan. */
const TRAINING_ADDRESS = '127.0.0.241';

/**
 * A one-broker cluster in a scratch dir, as the twin runs one (same JVM flags and classpath),
 * for making the broker's class-data archive. Its ready line is the broker's own "started".
 */
export async function kafkaCdsTraining(heapMiB: number): Promise<CdsTraining> {
  const dir = mkdtempSync(join(kafkaPrefix(), '.cds-training-'));
  const member: MemberIdentity = {
    id: 'kafka-cds-training',
    group: 'kafka',
    role: 'kafka',
    zone: 'training',
    zoneIndex: 0,
    address: TRAINING_ADDRESS,
    dataDir: dir,
    logFile: join(dir, 'kafka.log'),
  };
  const o: KafkaMemberOptions = {
    runId: 'cds-training',
    nodeId: 1,
    quorumVoters: [`1@${TRAINING_ADDRESS}:${PORTS.kafkaController}`],
    brokers: 1,
    heapMiB,
  };
  await formatKafkaStorage(member, o, newKafkaClusterId());
  const { properties, log4j } = writeKafkaConfig(member, o);
  return {
    args: [...jvmFlags(o.runId, heapMiB, log4j, member.dataDir), '-cp', kafkaClasspath(), 'kafka.Kafka', properties],
    cwd: dir,
    env: {},
    readyPattern: /Kafka Server started/,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A new random Kafka Uuid (22-char base64url of 16 random bytes), as `Uuid.randomUuid()`: never
 * starting with '-' and never one of the reserved ids (all-zero or one).
 */
export function newKafkaClusterId(): string {
  for (;;) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    const id = Buffer.from(bytes).toString('base64url').slice(0, 22);
    if (!id.startsWith('-') && bytes.some((b, i) => b !== 0 && !(i === 15 && b === 1))) return id;
  }
}

/** Node ids the cluster metadata lists as registered brokers right now (asked via `bootstrap`). */
export async function registeredBrokers(bootstrap: string[], timeoutMs = 10_000): Promise<number[]> {
  const kafka = new Kafka({
    clientId: 'terratower-twin-probe',
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.map((b) => b.nodeId);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
