/** A Cassandra node of the twin: its own cassandra.yaml, rack = zone, small heap, no JMX port. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { PORTS } from '../../spec/ports.ts';
import { cdsFlags, type CdsTraining } from '../install/cds.ts';
import { cassandraLayout, cassandraLibDir, cassandraPrefix } from '../install/cassandra.ts';
import { jvmTempFlags, runTagProperty, type LaunchPlan, type MemberIdentity } from './types.ts';

/** What a node's configuration depends on. */
export interface CassandraMemberOptions {
  runId: string;
  clusterName: string;
  /** Data center = the spec's region. */
  dataCenter: string;
  /** This node's token (num_tokens 1, evenly spaced). */
  initialToken: string;
  /** Seed addresses. */
  seeds: string[];
  /** JVM heap, MiB. */
  heapMiB: number;
}

/** Heap bytes per memtable row, as a node with these JVM flags estimates it (see the JVM args). */
export const MEMTABLE_ROW_OVERHEAD_BYTES = 180;

/** Cassandra's own `conf/jvm17-server.options` module flags (JPMS exports and opens). */
const JVM17_MODULE_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports',
  'java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports',
  'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports',
  'java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports',
  'java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports',
  'java.sql/java.sql=ALL-UNNAMED',
  '--add-exports',
  'java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports',
  'jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports',
  'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports',
  'jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens',
  'jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens',
  'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.io=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens',
  'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.util=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

const LOGBACK = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <logger name="com.datastax" level="WARN"/>
  <logger name="io.netty" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/** cassandra.yaml for one node (only what differs from Cassandra's defaults, plus the required keys). */
export function cassandraYaml(member: MemberIdentity, o: CassandraMemberOptions): string {
  const d = (sub: string): string => join(member.dataDir, sub);
  return [
    `cluster_name: '${o.clusterName}'`,
    `num_tokens: 1`,
    `initial_token: ${o.initialToken}`,
    `allocate_tokens_for_local_replication_factor: null`,
    `auto_bootstrap: false`,
    `partitioner: org.apache.cassandra.dht.Murmur3Partitioner`,
    `endpoint_snitch: GossipingPropertyFileSnitch`,
    `seed_provider:`,
    `  - class_name: org.apache.cassandra.locator.SimpleSeedProvider`,
    `    parameters:`,
    `      - seeds: "${o.seeds.map((s) => `${s}:${PORTS.cassandraInternode}`).join(',')}"`,
    `listen_address: ${member.address}`,
    `rpc_address: ${member.address}`,
    `storage_port: ${PORTS.cassandraInternode}`,
    `native_transport_port: ${PORTS.cassandraCql}`,
    `start_native_transport: true`,
    `data_file_directories: [${d('data')}]`,
    `commitlog_directory: ${d('commitlog')}`,
    `saved_caches_directory: ${d('saved_caches')}`,
    `hints_directory: ${d('hints')}`,
    `cdc_raw_directory: ${d('cdc_raw')}`,
    `commitlog_sync: periodic`,
    `commitlog_sync_period: 10000ms`,
    `commitlog_segment_size: 8MiB`,
    `concurrent_reads: 8`,
    `concurrent_writes: 16`,
    `concurrent_counter_writes: 8`,
    `concurrent_compactors: 1`,
    `memtable_heap_space: 64MiB`,
    `memtable_offheap_space: 64MiB`,
    `key_cache_size: 8MiB`,
    `disk_failure_policy: stop`,
    `commit_failure_policy: stop`,
    `hinted_handoff_enabled: true`,
    `max_hint_window: 3h`,
    `authenticator: AllowAllAuthenticator`,
    `authorizer: AllowAllAuthorizer`,
    `read_request_timeout: 5000ms`,
    `write_request_timeout: 2000ms`,
    `request_timeout: 10000ms`,
    `phi_convict_threshold: 8`,
    `dynamic_snitch: true`,
    `storage_compatibility_mode: NONE`,
    '',
  ].join('\n');
}

/** Write cassandra.yaml, cassandra-rackdc.properties and logback.xml; returns the conf dir. */
export function writeCassandraConfig(member: MemberIdentity, o: CassandraMemberOptions): string {
  const conf = join(member.dataDir, 'conf');
  mkdirSync(conf, { recursive: true });
  for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw'])
    mkdirSync(join(member.dataDir, sub), { recursive: true });
  writeFileSync(join(conf, 'cassandra.yaml'), cassandraYaml(member, o));
  writeFileSync(
    join(conf, 'cassandra-rackdc.properties'),
    `dc=${o.dataCenter}\nrack=${member.zone}\nprefer_local=true\n`,
  );
  writeFileSync(join(conf, 'logback.xml'), LOGBACK);
  return conf;
}

/**
 * The node's command line: CassandraDaemon in the foreground, JMX not started (no port to collide
 * on), mapping the class-data archive when there is one. Its config files are named by system
 * properties, not put on the classpath: the classpath is the jars alone, the same for every node,
 * as an archive requires.
 */
export function cassandraLaunchPlan(member: MemberIdentity, o: CassandraMemberOptions): LaunchPlan {
  return {
    command: 'java',
    args: cassandraJvmArgs(member, o, cdsFlags('cassandra', cassandraLibDir())),
    env: {},
    cwd: member.dataDir,
  };
}

function cassandraJvmArgs(member: MemberIdentity, o: CassandraMemberOptions, extra: string[]): string[] {
  const conf = writeCassandraConfig(member, o);
  const { classpath, jammJar } = cassandraLayout();
  return [
    `-Xms${o.heapMiB}m`,
    `-Xmx${o.heapMiB}m`,
    '-Xss512k',
    '-XX:+UseSerialGC',
    // C1 only, as the brokers (see kafka.ts's jvmFlags): nodes answered CQL at 15–17 s, not 25–26 s.
    '-XX:TieredStopAtLevel=1',
    '-XX:+HeapDumpOnOutOfMemoryError',
    `-XX:HeapDumpPath=${join(member.dataDir, 'heapdump.hprof')}`,
    '-XX:MaxDirectMemorySize=256m',
    ...jvmTempFlags(member.dataDir),
    ...JVM17_MODULE_FLAGS,
    `-javaagent:${jammJar}`,
    '-Djava.net.preferIPv4Stack=true',
    '-Dcassandra-foreground=yes',
    `-Dcassandra.config=file://${join(conf, 'cassandra.yaml')}`,
    `-Dcassandra-rackdc.properties=file://${join(conf, 'cassandra-rackdc.properties')}`,
    `-Dlogback.configurationFile=${join(conf, 'logback.xml')}`,
    `-Dcassandra.logdir=${member.dataDir}`,
    `-Dcassandra.storagedir=${member.dataDir}`,
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=1000',
    '-Dcassandra.superuser_setup_delay_ms=0',
    // The node measures a memtable row's heap overhead at start by filling a skip list with
    // 100 000 rows and sizing it with jamm: 7–8 s of CPU per node on the 2-core twin. 180 bytes
    // is what it measured with these flags (its log: "Estimated SkipListMemtable row overhead").
    // TERRATOWER_CASSANDRA_ROW_OVERHEAD=measure lets it measure (to see what this saves).
    ...(process.env.TERRATOWER_CASSANDRA_ROW_OVERHEAD === 'measure'
      ? []
      : [`-Dcassandra.memtable.row_overhead_size=${MEMTABLE_ROW_OVERHEAD_BYTES}`]),
    runTagProperty(o.runId),
    ...extra,
    '-cp',
    classpath,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}

/** Loopback address of the class-data training node: outside every slot's address plan. */
const TRAINING_ADDRESS = '127.0.0.242';

/**
 * A one-node cluster in a scratch dir, as the twin runs a node (same JVM flags and classpath),
 * for making the node's class-data archive. Its ready line is the node's own "Startup complete".
 */
export function cassandraCdsTraining(heapMiB: number): CdsTraining {
  const dir = mkdtempSync(join(cassandraPrefix(), '.cds-training-'));
  const member: MemberIdentity = {
    id: 'cassandra-cds-training',
    group: 'cassandra',
    role: 'cassandra',
    zone: 'training',
    zoneIndex: 0,
    address: TRAINING_ADDRESS,
    dataDir: dir,
    logFile: join(dir, 'cassandra.log'),
  };
  const args = cassandraJvmArgs(
    member,
    {
      runId: 'cds-training',
      clusterName: 'terratower-cds-training',
      dataCenter: 'training',
      initialToken: '0',
      seeds: [TRAINING_ADDRESS],
      heapMiB,
    },
    [],
  );
  return {
    args,
    cwd: dir,
    env: {},
    readyPattern: /Startup complete/,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Whether a node answers CQL and sees `expectedPeers` peers (system.peers_v2), asked over a
 * connection to that node only.
 */
export async function cassandraNodeReady(address: string, dataCenter: string, expectedPeers: number): Promise<boolean> {
  const client = singleNodeClient(address, dataCenter);
  try {
    await client.connect();
    const rs = await client.execute('SELECT peer FROM system.peers_v2');
    return rs.rowLength >= expectedPeers;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/**
 * A driver client that talks to one node only (`address`, without the port), as its own
 * coordinator: what that node itself knows, not what the cluster agrees on.
 */
export function singleNodeClient(address: string, dataCenter: string): cassandra.Client {
  const endpoint = `${address}:${PORTS.cassandraCql}`;
  return new cassandra.Client({
    contactPoints: [endpoint],
    localDataCenter: dataCenter,
    policies: {
      loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(
        new cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy(dataCenter),
        [endpoint],
      ),
      reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(60_000),
    },
    pooling: { warmup: false },
    socketOptions: { connectTimeout: 5000, readTimeout: 10_000 },
    // A schema change through this client waits for no one: the caller checks each node itself.
    protocolOptions: { maxSchemaAgreementWaitSeconds: 0 },
  });
}
