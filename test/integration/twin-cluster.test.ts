/**
 * The local twin against its real parts: one twin (3 brokers, 3 Cassandra nodes, moto) shared by
 * the tests of this file, which run in order. Nothing is mocked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec, withDefaults, type PipelineSpec } from '../../src/spec/index.ts';
import type { TwinStatus } from '../../src/twin/client.ts';
import { appEntry } from '../../src/twin/members/app.ts';
import { singleNodeClient } from '../../src/twin/members/cassandra.ts';
import { sinkTableId } from '../../src/twin/daemon/bootstrap.ts';
import { twinS3Client } from '../../src/twin/members/moto.ts';
import { findTaggedProcesses } from '../../src/support/process.ts';
import { leftoversOf, startTwin, stopTwin, type RunningTwin } from '../../src/twin/run.ts';
import { detectTwinNetwork, runNetworkParts } from '../../src/twin/network.ts';

const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const spec: PipelineSpec = validateSpec(
  withDefaults({
    // App groups start empty; the scaling test raises producers once the cluster is up.
    producers: { min: 0, desired: 0, max: 3 },
    consumers: { min: 0, desired: 0 },
  }),
);
const producerAppExists = existsSync(appEntry('producers'));
/** Namespace zones where this process can build them (root): the partition test needs them. */
const NETWORK = detectTwinNetwork();

let twin: RunningTwin | undefined;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(500);
  }
}

/**
 * A fresh client. `except` leaves brokers out of the bootstrap list: a SIGSTOPped broker still
 * accepts TCP connections (the kernel does) but never answers, so a client must not start there.
 */
function kafka(except: string[] = []): Kafka {
  const brokers = twin!.endpoints.kafkaBootstrap.filter((b) => !except.includes(b));
  return new Kafka({
    clientId: 'twin-test',
    brokers,
    logLevel: logLevel.NOTHING,
    requestTimeout: 10_000,
    retry: { retries: 10 },
  });
}

function member(status: TwinStatus, id: string): TwinStatus['groups'][number]['members'][number] | undefined {
  return status.groups.flatMap((g) => g.members).find((m) => m.id === id);
}

/** Process state letter from /proc (T = stopped). */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

async function fullyInSync(topic: string): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]!.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length);
  } finally {
    await admin.disconnect();
  }
}

/** Wait until no partition has broker `nodeId` as leader or in its ISR (asking the other brokers only). */
async function leadersLeave(nodeId: number, endpoint: string): Promise<void> {
  await waitFor(`leaders and ISR to leave broker ${nodeId}`, 120_000, async () => {
    const admin = kafka([endpoint]).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [spec.kafka.topic] });
      const gone = meta.topics[0]!.partitions.every((p) => p.leader !== nodeId && !p.isr.includes(nodeId));
      return gone ? true : undefined;
    } finally {
      await admin.disconnect();
    }
  });
}

async function produce(topic: string, prefix: string, count: number, except: string[] = []): Promise<void> {
  const producer = kafka(except).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      timeout: 30_000,
      messages: Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-value-${i}` })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function consumeAll(topic: string, expected: number): Promise<Set<string>> {
  const consumer = kafka().consumer({ groupId: `twin-test-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.key!.toString()) });
    await waitFor(`${expected} records on ${topic}`, 180_000, async () => (seen.size >= expected ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

beforeAll(async () => {
  twin = await startTwin({ spec, slot: SLOT, ownerPid: process.pid });
});

afterAll(async () => {
  if (!twin) return;
  const runId = twin.runId;
  const report = await stopTwin(runId);
  // Nothing of the run may be left: no tagged process, no listener on its addresses, no run dir.
  expect(report.leftovers).toEqual([]);
  expect(findTaggedProcesses(runId)).toEqual([]);
  expect(leftoversOf(runId, { runId, slot: SLOT, network: NETWORK, createdAt: '', spec })).toEqual([]);
  expect(runNetworkParts(runId)).toEqual({ namespaces: [], links: [] });
  expect(existsSync(twin.runDir)).toBe(false);
});

describe('local twin cluster', () => {
  it('boots every member in service, spread over the zones', async () => {
    const status = await twin!.client.status();
    expect(status.phase).toBe('ready');
    for (const name of ['kafka', 'cassandra'] as const) {
      const g = status.groups.find((x) => x.group === name)!;
      expect(g.members.map((m) => m.lifecycle)).toEqual(['InService', 'InService', 'InService']);
      expect(g.inServiceByZone).toEqual({ 'eu-west-1a': 1, 'eu-west-1b': 1, 'eu-west-1c': 1 });
    }
    expect(twin!.endpoints.kafkaBootstrap).toHaveLength(3);
    expect(new Set(twin!.endpoints.kafkaBootstrap.map((e) => e.split('.')[2])).size).toBe(3);
  });

  it('3 brokers with replication factor 3 take writes and serve reads', async () => {
    const admin = kafka().admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [spec.kafka.topic] });
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: spec.kafka.topic, configNames: ['min.insync.replicas'] }],
      includeSynonyms: false,
    });
    await admin.disconnect();
    expect(meta.topics[0]!.partitions).toHaveLength(spec.kafka.partitions);
    for (const p of meta.topics[0]!.partitions) expect(p.replicas).toHaveLength(3);
    expect(configs.resources[0]!.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue).toBe(
      '2',
    );
    await produce(spec.kafka.topic, 'boot', 500);
    const seen = await consumeAll(spec.kafka.topic, 500);
    expect([...seen].filter((k) => k.startsWith('boot-')).length).toBe(500);
  });

  it('the S3 API stores and lists objects in the dataset bucket', async () => {
    const s3 = twinS3Client(twin!.endpoints.s3Endpoint, spec.region);
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: twin!.endpoints.bucket, Key: 'payments/a.csv', Body: 'record_id\n1\n' }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: twin!.endpoints.bucket, Key: 'payments/b.csv', Body: 'record_id\n2\n' }),
      );
      const list = await s3.send(new ListObjectsV2Command({ Bucket: twin!.endpoints.bucket, Prefix: 'payments/' }));
      expect(list.Contents?.map((o) => o.Key).sort()).toEqual(['payments/a.csv', 'payments/b.csv']);
      const got = await s3.send(new GetObjectCommand({ Bucket: twin!.endpoints.bucket, Key: 'payments/b.csv' }));
      expect(await got.Body!.transformToString()).toBe('record_id\n2\n');
    } finally {
      s3.destroy();
    }
  });

  it('Cassandra answers CQL, sees its peers, and has the keyspace with the spec replication', async () => {
    const client = new cassandra.Client({
      contactPoints: twin!.endpoints.cassandraContactPoints,
      localDataCenter: spec.region,
    });
    await client.connect();
    try {
      const ks = await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [
        spec.cassandra.keyspace,
      ]);
      expect(ks.rowLength).toBe(1);
      const replication = ks.first()!.get('replication') as Record<string, string>;
      expect(replication.class).toBe('org.apache.cassandra.locator.NetworkTopologyStrategy');
      expect(replication[spec.region]).toBe(String(spec.cassandra.replicationFactor));
      const peers = await client.execute('SELECT peer, rack FROM system.peers_v2');
      expect(peers.rowLength).toBe(2);
      const racks = await client.execute('SELECT rack FROM system.local');
      expect(spec.zones).toContain(racks.first()!.get('rack'));
      await client.execute(
        `INSERT INTO "${spec.cassandra.keyspace}"."${spec.cassandra.table}" ("record_id", "program_year") VALUES (?, ?)`,
        ['twin-test-1', 2024],
        { prepare: true, consistency: cassandra.types.consistencies.localQuorum },
      );
      const row = await client.execute(
        `SELECT "program_year" FROM "${spec.cassandra.keyspace}"."${spec.cassandra.table}" WHERE "record_id" = ?`,
        ['twin-test-1'],
        {
          prepare: true,
          consistency: cassandra.types.consistencies.localQuorum,
        },
      );
      expect(row.first()!.get('program_year')).toBe(2024);
    } finally {
      await client.shutdown();
    }
    // Readiness means every node has the table in its own schema (a node can miss a pushed
    // change), all with the same fixed id.
    for (const point of twin!.endpoints.cassandraContactPoints) {
      const node = singleNodeClient(point.replace(/:\d+$/, ''), spec.region);
      try {
        await node.connect();
        const tables = await node.execute(
          'SELECT id FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
          [spec.cassandra.keyspace, spec.cassandra.table],
        );
        expect(
          tables.rows.map((r) => String(r.get('id'))),
          point,
        ).toEqual([sinkTableId(spec.cassandra.keyspace, spec.cassandra.table)]);
      } finally {
        await node.shutdown();
      }
    }
    // The nodes took the memtable row overhead from the command line instead of measuring it
    // (7–8 s of CPU each): a renamed property would bring the measurement back silently.
    for (const n of [1, 2, 3]) {
      const log = readFileSync(join(twin!.runDir, 'logs', `cassandra-${n}.log`), 'utf8');
      expect(log).toContain('Startup complete');
      expect(log).not.toContain('Estimated SkipListMemtable row overhead');
    }
  });

  it('a killed broker is replaced with the same id and data, and the topic returns to fully in-sync', async () => {
    const client = twin!.client;
    const before = member(await client.status(), 'kafka-2')!;
    const dataDir = join(twin!.runDir, 'members', 'kafka-2', 'data');
    const metaBefore = readFileSync(join(dataDir, 'meta.properties'), 'utf8');
    const partitionDirsBefore = readdirSync(dataDir)
      .filter((d) => d.startsWith(`${spec.kafka.topic}-`))
      .sort();
    expect(partitionDirsBefore.length).toBeGreaterThan(0);

    expect(await client.killMembers('kafka', { ids: ['kafka-2'], signal: 'SIGKILL' })).toEqual(['kafka-2']);
    const after = await waitFor('kafka-2 to be replaced and in service', 180_000, async () => {
      const m = member(await client.status(), 'kafka-2');
      return m && m.pid !== before.pid && m.lifecycle === 'InService' ? m : undefined;
    });
    expect(after.address).toBe(before.address);
    expect(after.zone).toBe(before.zone);
    expect(Date.parse(after.launchedAt)).toBeGreaterThan(Date.parse(before.launchedAt));
    // Same storage: same node id and cluster id, same partition dirs.
    expect(readFileSync(join(dataDir, 'meta.properties'), 'utf8')).toBe(metaBefore);
    expect(
      readdirSync(dataDir)
        .filter((d) => d.startsWith(`${spec.kafka.topic}-`))
        .sort(),
    ).toEqual(partitionDirsBefore);
    const activities = await client.activities();
    expect(
      activities.some(
        (a) => a.group === 'kafka' && /kafka-2 .*killed by SIGKILL: replacing it with the same id/.test(a.cause),
      ),
    ).toBe(true);

    await waitFor('every partition fully in sync', 180_000, async () =>
      (await fullyInSync(spec.kafka.topic)) ? true : undefined,
    );
    // The records written before the loss are all still there.
    const seen = await consumeAll(spec.kafka.topic, 500);
    expect([...seen].filter((k) => k.startsWith('boot-')).length).toBe(500);
  });

  it('freezing a zone stops its processes; writes go on (min ISR 2 of 3); thawing brings the zone back in sync', async () => {
    const client = twin!.client;
    const zone = spec.zones[2]!;
    const pidsBefore = new Map((await client.status()).groups.flatMap((g) => g.members).map((m) => [m.id, m.pid]));
    const frozen = await client.freezeZone(zone);
    let status: TwinStatus;
    try {
      expect(frozen.sort()).toEqual(['cassandra-3', 'kafka-3']);
      status = await client.status();
      expect(status.zones[zone]).toBe('frozen');
      for (const id of frozen) {
        const m = member(status, id)!;
        expect(m.lifecycle).toBe('Frozen');
        expect(procState(m.pid!)).toBe('T');
      }
      // The cluster fences the frozen broker and moves its leaderships to the other zones...
      const frozenBroker = twin!.endpoints.kafkaBootstrap[2]!;
      await leadersLeave(3, frozenBroker);
      // ...and the other two zones take acks=all writes (min ISR 2 of 3).
      await produce(spec.kafka.topic, 'frozen', 200, [frozenBroker]);
    } finally {
      // Never leave the zone frozen for the tests after this one, even when an assertion fails.
      await client.thawZone(zone);
    }
    status = await client.status();
    expect(status.zones[zone]).toBe('up');
    for (const id of frozen) {
      const m = member(status, id)!;
      expect(m.lifecycle).toBe('InService');
      expect(procState(m.pid!)).not.toBe('T');
    }
    // Stateful members are not replaced while frozen: same processes as before.
    for (const id of frozen) expect(member(status, id)!.pid).toBe(pidsBefore.get(id));
    await waitFor('every partition fully in sync after thaw', 180_000, async () =>
      (await fullyInSync(spec.kafka.topic)) ? true : undefined,
    );
    const seen = await consumeAll(spec.kafka.topic, 700);
    expect([...seen].filter((k) => k.startsWith('frozen-')).length).toBe(200);
  });

  it.skipIf(NETWORK !== 'namespaces')(
    'a disrupted zone is cut off the network: its members run on but nothing crosses its link; writes go on; reconnecting brings it back in sync',
    async () => {
      const client = twin!.client;
      const zone = spec.zones[2]!;
      const status0 = await client.status();
      expect(status0.network).toBe('namespaces');
      // Each zone is its own network namespace, shared by that zone's members only.
      const netns = (id: string): string => readlinkSync(`/proc/${member(status0, id)!.pid}/ns/net`);
      const zoneNs = ['kafka-1', 'kafka-2', 'kafka-3'].map(netns);
      expect(new Set(zoneNs).size).toBe(3);
      expect(zoneNs).not.toContain(readlinkSync('/proc/self/ns/net'));
      expect(netns('cassandra-3')).toBe(zoneNs[2]);
      const cut = member(status0, 'cassandra-3')!;
      const peer = member(status0, 'cassandra-1')!;
      /** Whether a TCP connect to address:port succeeds within 3 s, from the test or inside a member's namespace. */
      const connects = (address: string, port: number, fromPid?: number): boolean => {
        const probe = `exec 3<>/dev/tcp/${address}/${port}`;
        const argv =
          fromPid === undefined
            ? ['bash', '-c', probe]
            : ['nsenter', `--net=/proc/${fromPid}/ns/net`, 'bash', '-c', probe];
        return spawnSync('timeout', ['3', ...argv], { stdio: 'ignore' }).status === 0;
      };
      expect(connects(cut.address, 9042)).toBe(true);
      const frozenBroker = twin!.endpoints.kafkaBootstrap[2]!;
      const disrupted = await client.disruptZone(zone);
      try {
        expect(disrupted.method).toBe('network partition');
        expect(disrupted.members.sort()).toEqual(['cassandra-3', 'kafka-3']);
        const status = await client.status();
        expect(status.zones[zone]).toBe('partitioned');
        // Unlike a freeze, the processes run on: the partition is in the network.
        for (const id of disrupted.members) {
          const m = member(status, id)!;
          expect(m.pid).toBe(member(status0, id)!.pid);
          expect(procState(m.pid!)).not.toBe('T');
        }
        expect(connects(cut.address, 9042)).toBe(false);
        expect(connects(peer.address, 9042)).toBe(true);
        expect(connects(peer.address, 9042, cut.pid)).toBe(false);
        // Inside the zone, members still reach each other.
        expect(connects(member(status, 'kafka-3')!.address, 9092, cut.pid)).toBe(true);
        await leadersLeave(3, frozenBroker);
        await produce(spec.kafka.topic, 'partitioned', 200, [frozenBroker]);
      } finally {
        await client.thawZone(zone);
      }
      expect((await client.status()).zones[zone]).toBe('up');
      expect(connects(cut.address, 9042)).toBe(true);
      await waitFor('every partition fully in sync after the partition', 180_000, async () =>
        (await fullyInSync(spec.kafka.topic)) ? true : undefined,
      );
      const seen = await consumeAll(spec.kafka.topic, 900);
      expect([...seen].filter((k) => k.startsWith('partitioned-')).length).toBe(200);
    },
  );

  it.skipIf(NETWORK !== 'namespaces')(
    'a latency fault delays the traffic between the zone and the others both ways, not inside the zone or to S3; it ends when restored or on its own; loss drops packets',
    async () => {
      const client = twin!.client;
      const zone = spec.zones[2]!;
      const status0 = await client.status();
      const zone0 = member(status0, 'cassandra-1')!;
      const zone1 = member(status0, 'cassandra-2')!;
      const slow = member(status0, 'cassandra-3')!;
      const slowBroker = member(status0, 'kafka-3')!;
      /** Median TCP connect time, ms, from inside a member's namespace (or from the test's). */
      const connectMs = (address: string, port: number, fromPid?: number): number => {
        const script =
          "const net=require('node:net');const [a,p]=process.argv.slice(1);const t=[];" +
          '(async()=>{for(let i=0;i<7;i++){const s=process.hrtime.bigint();await new Promise((ok,no)=>{' +
          "const c=net.connect({host:a,port:+p,timeout:5000},()=>{c.destroy();ok();});c.on('error',no);c.on('timeout',()=>no(new Error('timeout')));});" +
          't.push(Number(process.hrtime.bigint()-s)/1e6);}t.sort((x,y)=>x-y);console.log(t[3]);})().catch(e=>{console.error(e.message);process.exit(1);});';
        const argv = [process.execPath, '-e', script, address, String(port)];
        const r = spawnSync(
          fromPid === undefined ? argv[0]! : 'nsenter',
          fromPid === undefined ? argv.slice(1) : [`--net=/proc/${fromPid}/ns/net`, ...argv],
          {
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
        if (r.status !== 0) throw new Error(`connect timing failed: ${r.stderr}`);
        return Number(r.stdout.trim());
      };
      const delayMs = 150;
      const before = connectMs(slow.address, 9042, zone0.pid);
      expect(before).toBeLessThan(delayMs);

      const started = await client.zoneLatency(zone, { delayMs, seconds: 120 });
      try {
        expect(started.method).toBe('netfilter queue delay');
        expect((await client.status()).latency[zone]).toMatchObject({ delayMs, seconds: 120, pid: started.pid });
        const figures = {
          intoSlowZone: connectMs(slow.address, 9042, zone0.pid),
          outOfSlowZone: connectMs(zone0.address, 9042, slow.pid),
          betweenOtherZones: connectMs(zone1.address, 9042, zone0.pid),
          insideSlowZone: connectMs(slowBroker.address, 9092, slow.pid),
          fromRegion: connectMs(slow.address, 9042),
        };
        console.log(
          `latency fault +${delayMs} ms: median connect ms before ${before}, during ${JSON.stringify(figures)}`,
        );
        // Each direction gets the delay, so a connect (SYN there, SYN-ACK back) takes 2 × longer.
        expect(figures.intoSlowZone).toBeGreaterThanOrEqual(2 * delayMs);
        expect(figures.outOfSlowZone).toBeGreaterThanOrEqual(2 * delayMs);
        // Between the other zones, inside the slow zone, and from the region (S3, the test): no delay.
        expect(figures.betweenOtherZones).toBeLessThan(delayMs);
        expect(figures.insideSlowZone).toBeLessThan(delayMs);
        expect(figures.fromRegion).toBeLessThan(delayMs);
        // The cluster works through it: acks=all writes need the slow zone's broker in the ISR.
        await produce(spec.kafka.topic, 'slow', 100);
        await expect(client.zoneLatency(zone, { delayMs, seconds: 5 })).rejects.toThrow(/has a latency fault already/);
      } finally {
        await client.thawZone(zone);
      }
      const ended = await waitFor('the latency fault ended by the restore', 30_000, async () =>
        (await client.activities()).find((a) => a.cause.startsWith(`fault ended: zone ${zone} latency (+150 ms`)),
      );
      // It held packets: the ones of the connects and of replication.
      expect(Number(/: (\d+) packets held, 0 dropped/.exec(ended.cause)?.[1])).toBeGreaterThan(20);
      expect((await client.status()).latency).toEqual({});
      expect(connectMs(slow.address, 9042, zone0.pid)).toBeLessThan(delayMs);

      // Loss alone, ended by its own clock: about that share of the crossing packets is dropped.
      await client.zoneLatency(zone, { delayMs: 0, lossPercent: 50, seconds: 6 });
      const lossy = await waitFor('the loss fault ended on its own', 30_000, async () =>
        (await client.activities()).find((a) => a.cause.startsWith(`fault ended: zone ${zone} latency (50 % loss`)),
      );
      const [, held, dropped] = /: (\d+) packets held, (\d+) dropped/.exec(lossy.cause)!.map(Number);
      console.log(`latency fault: ${ended.cause}; ${lossy.cause}`);
      expect(held).toBeGreaterThan(50);
      expect(dropped! / held!).toBeGreaterThan(0.3);
      expect(dropped! / held!).toBeLessThan(0.7);
      await waitFor('every partition fully in sync after the latency faults', 180_000, async () =>
        (await fullyInSync(spec.kafka.topic)) ? true : undefined,
      );
      const seen = await consumeAll(spec.kafka.topic, 1000);
      expect([...seen].filter((k) => k.startsWith('slow-')).length).toBe(100);
    },
  );

  it('refuses a latency fault it cannot run, in one line naming the problem', async () => {
    const client = twin!.client;
    await expect(client.zoneLatency(spec.zones[0]!, { delayMs: -5, seconds: 10 })).rejects.toThrow(
      'latency delayMs -5: use 0 to 60000 (milliseconds, one way)',
    );
    if (NETWORK === 'loopback')
      await expect(client.zoneLatency(spec.zones[0]!, { delayMs: 50, seconds: 10 })).rejects.toThrow(
        /the latency fault needs namespace zones.*TERRATOWER_TWIN_NETWORK=namespaces/,
      );
    expect((await client.status()).latency).toEqual({});
  });

  it.skipIf(!producerAppExists)('raising desired capacity adds app members spread over the zones', async () => {
    const client = twin!.client;
    await client.setDesired('producers', 3);
    const g = await waitFor('3 producers in service', 180_000, async () => {
      const s = await client.status();
      const producers = s.groups.find((x) => x.group === 'producers')!;
      return producers.members.length === 3 && producers.members.every((m) => m.lifecycle === 'InService')
        ? producers
        : undefined;
    });
    expect(g.desired).toBe(3);
    expect(g.inServiceByZone).toEqual({ 'eu-west-1a': 1, 'eu-west-1b': 1, 'eu-west-1c': 1 });
    expect(new Set(g.members.map((m) => m.address)).size).toBe(3);
    const activities = await client.activities();
    expect(activities.some((a) => a.group === 'producers' && a.from === 0 && a.to === 3)).toBe(true);
    // Beyond max is refused with the limits in the message.
    await expect(client.setDesired('producers', 4)).rejects.toThrow(/outside \[min 0, max 3\]/);
    await client.setDesired('producers', 1);
    await waitFor('producers scaled in to 1', 60_000, async () => {
      const s = await client.status();
      return s.groups.find((x) => x.group === 'producers')!.members.length === 1 ? true : undefined;
    });
  });
});
