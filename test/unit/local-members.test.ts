import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cassandraYaml, writeCassandraConfig } from '../../src/twin/members/cassandra.ts';
import { newKafkaClusterId, writeKafkaConfig } from '../../src/twin/members/kafka.ts';
import type { MemberIdentity } from '../../src/twin/members/types.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function identity(id: string, address: string, zone: string): MemberIdentity {
  const dataDir = mkdtempSync(join(tmpdir(), 'tt-member-'));
  dirs.push(dataDir);
  return { id, group: 'kafka', role: 'kafka', zone, zoneIndex: 1, address, dataDir, logFile: join(dataDir, 'x.log') };
}

describe('kafka member config', () => {
  it('combined broker+controller on its own address, rack = zone, internal topics capped by broker count', () => {
    const m = identity('kafka-2', '127.0.2.2', 'eu-west-1b');
    const { properties } = writeKafkaConfig(m, {
      runId: 'r1',
      nodeId: 2,
      quorumVoters: ['1@127.0.1.2:9093', '2@127.0.2.2:9093'],
      brokers: 2,
      heapMiB: 256,
    });
    const text = readFileSync(properties, 'utf8');
    expect(text).toMatch(/^process\.roles=broker,controller$/m);
    expect(text).toMatch(/^node\.id=2$/m);
    expect(text).toMatch(/^controller\.quorum\.voters=1@127\.0\.1\.2:9093,2@127\.0\.2\.2:9093$/m);
    expect(text).toMatch(/^listeners=PLAINTEXT:\/\/127\.0\.2\.2:9092,CONTROLLER:\/\/127\.0\.2\.2:9093$/m);
    expect(text).toMatch(/^broker\.rack=eu-west-1b$/m);
    expect(text).toMatch(/^offsets\.topic\.replication\.factor=2$/m);
    expect(text).toMatch(new RegExp(`^log\\.dirs=${join(m.dataDir, 'data').replace(/[.]/g, '\\.')}$`, 'm'));
  });

  it('makes KRaft cluster ids of 16 random bytes in base64url', () => {
    const id = newKafkaClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(newKafkaClusterId()).not.toBe(id);
  });
});

describe('cassandra member config', () => {
  const options = {
    runId: 'r1',
    clusterName: 'c',
    dataCenter: 'eu-west-1',
    initialToken: '-3074457345618258603',
    seeds: ['127.0.1.6', '127.0.2.6'],
    heapMiB: 384,
  };
  it('one token, its own address, the seeds, GossipingPropertyFileSnitch, data under the member dir', () => {
    const m = identity('cassandra-2', '127.0.2.6', 'eu-west-1b');
    const yaml = cassandraYaml(m, options);
    expect(yaml).toMatch(/^num_tokens: 1$/m);
    expect(yaml).toMatch(/^initial_token: -3074457345618258603$/m);
    expect(yaml).toMatch(/^listen_address: 127\.0\.2\.6$/m);
    expect(yaml).toMatch(/^rpc_address: 127\.0\.2\.6$/m);
    expect(yaml).toMatch(/seeds: "127\.0\.1\.6:7000,127\.0\.2\.6:7000"/);
    expect(yaml).toMatch(/^endpoint_snitch: GossipingPropertyFileSnitch$/m);
    expect(yaml).toContain(`commitlog_directory: ${join(m.dataDir, 'commitlog')}`);
  });
  it('writes a rackdc file with dc = region and rack = zone', () => {
    const m = identity('cassandra-2', '127.0.2.6', 'eu-west-1b');
    const conf = writeCassandraConfig(m, options);
    expect(readFileSync(join(conf, 'cassandra-rackdc.properties'), 'utf8')).toMatch(/^dc=eu-west-1\nrack=eu-west-1b\n/);
  });
});
