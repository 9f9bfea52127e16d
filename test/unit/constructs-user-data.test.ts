import { describe, expect, it } from 'vitest';
import { consumerEnv, producerEnv, readConsumerConfig, readProducerConfig } from '../../apps/shared/config.ts';
import {
  cassandraMemberEnv,
  consumerFleetEnv,
  kafkaClusterId,
  kafkaMemberEnv,
  producerFleetEnv,
  renderEnvFile,
  renderUserData,
} from '../../src/aws/constructs/user-data.ts';
import { clusterMembers, defaultSpec, murmur3Tokens, withDefaults } from '../../src/spec/index.ts';

/** The env file a script writes, parsed back from its here-document. */
function envOf(script: string): Record<string, string> {
  const match = /<<'TERRATOWER_ENV'\n([\s\S]*?)TERRATOWER_ENV\n/.exec(script);
  expect(match, 'script has no env here-document').not.toBeNull();
  return Object.fromEntries(
    match![1]!
      .trim()
      .split('\n')
      .map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)];
      }),
  );
}

describe('user data', () => {
  const spec = withDefaults({ kafka: { brokers: 4, replicationFactor: 3 } });

  it('a Kafka member carries its own identity, its zone and every controller', () => {
    const members = clusterMembers(spec, 'kafka');
    const fourth = members[3]!;
    const script = renderUserData({
      role: 'kafka',
      region: spec.region,
      env: kafkaMemberEnv(spec, fourth, kafkaClusterId('terratower', 'r1')),
      attach: { networkInterfaceId: 'eni-0abc', volumeId: 'vol-0def', privateIp: fourth.privateIp },
    });
    const env = envOf(script);
    expect(env.TT_NODE_ID).toBe('4');
    expect(env.TT_ZONE).toBe('eu-west-1a');
    expect(env.TT_ADVERTISED_HOST).toBe('10.40.10.17');
    expect(env.TT_CONTROLLER_QUORUM).toBe(
      '1@10.40.10.16:9093,2@10.40.11.16:9093,3@10.40.12.16:9093,4@10.40.10.17:9093',
    );
    expect(env.TT_CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(env.TT_DATA_DEVICE).toBe('@DATA_DEVICE@');
    expect(script).toContain('--network-interface-id "$ENI_ID"');
    expect(script).toContain('ENI_ID="eni-0abc"');
    expect(script).toContain('VOLUME_ID="vol-0def"');
    expect(script).toContain('FIXED_IP="10.40.10.17"');
    expect(script).toContain('/etc/terratower/kafka.env');
    expect(script).toContain('systemctl enable --now terratower-kafka.service');
    // The data device is resolved at boot and substituted into the env file.
    expect(script).toContain('s|@DATA_DEVICE@|$DATA_DEVICE|g');
  });

  it('a Cassandra member carries its rack, address, seeds and token', () => {
    const members = clusterMembers(defaultSpec(), 'cassandra');
    const tokens = murmur3Tokens(3);
    members.forEach((member, i) => {
      const env = cassandraMemberEnv(defaultSpec(), member, 'terratower');
      expect(env.TT_NODE_ID).toBe(String(i + 1));
      expect(env.TT_DC).toBe('eu-west-1');
      expect(env.TT_RACK).toBe(defaultSpec().zones[i]);
      expect(env.TT_LISTEN_ADDRESS).toBe(member.privateIp);
      expect(env.TT_SEEDS).toBe('10.40.10.32,10.40.11.32,10.40.12.32');
      expect(env.TT_INITIAL_TOKEN).toBe(tokens[i]);
    });
  });

  it('seeds are the first node of each zone, at most three', () => {
    const big = withDefaults({ cassandra: { nodes: 6 } });
    const env = cassandraMemberEnv(big, clusterMembers(big, 'cassandra')[5]!, 'c');
    expect(env.TT_SEEDS).toBe('10.40.10.32,10.40.11.32,10.40.12.32');
    expect(env.TT_LISTEN_ADDRESS).toBe('10.40.12.33');
  });

  it('app env files are exactly producerEnv / consumerEnv and read back by the apps', () => {
    const p = producerFleetEnv(spec);
    const c = consumerFleetEnv(spec);
    expect(Object.keys(p).sort()).toEqual(Object.keys(producerEnv(readProducerConfig(p))).sort());
    expect(Object.keys(c).sort()).toEqual(Object.keys(consumerEnv(readConsumerConfig(c))).sort());
    const producer = readProducerConfig(envOf(renderUserData({ role: 'producer', region: spec.region, env: p })));
    expect(producer.kafkaBrokers).toEqual([
      '10.40.10.16:9092',
      '10.40.11.16:9092',
      '10.40.12.16:9092',
      '10.40.10.17:9092',
    ]);
    expect(producer.bucket).toBe('terratower-dataset');
    expect(producer.memberId).toBe('producers-@INSTANCE_ID@');
    const consumer = readConsumerConfig(c);
    expect(consumer.cassandraContactPoints).toEqual(['10.40.10.32:9042', '10.40.11.32:9042', '10.40.12.32:9042']);
    expect(consumer.groupId).toBe('terratower-consumers');
    expect(consumer.consistency).toBe('LOCAL_QUORUM');
  });

  it('uses IMDSv2 and never the ${ or %{ sequences Terraform would interpolate', () => {
    const script = renderUserData({ role: 'consumer', region: 'eu-west-1', env: consumerFleetEnv(spec) });
    expect(script).toContain('X-aws-ec2-metadata-token-ttl-seconds');
    expect(script).not.toMatch(/\$\{|%\{/);
  });

  it('refuses env values an env file cannot carry', () => {
    expect(() => renderEnvFile({ TT_X: 'a\nb' })).toThrow(/TT_X/);
    expect(() => renderEnvFile({ 'bad key': 'x' })).toThrow(/bad key/);
  });

  it('cluster ids are stable per stack and run, distinct across them', () => {
    expect(kafkaClusterId('a', '1')).toBe(kafkaClusterId('a', '1'));
    expect(kafkaClusterId('a', '1')).not.toBe(kafkaClusterId('a', '2'));
  });
});
