/**
 * The opt-in hardening of the AWS stack, checked on the synthesized JSON: Kafka TLS + SASL/SCRAM
 * and Cassandra authentication + client TLS (per-run credentials in Secrets Manager, read at boot
 * through the instance roles), DLM snapshots of the data volumes, user-data logs in CloudWatch
 * Logs, the under-replicated-partitions and unhealthy-members alarms; each option's validation
 * rules; and the apps' env contract for the new settings (the twin sets none of them).
 */
import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import {
  consumerEnv,
  producerEnv,
  readConsumerConfig,
  readProducerConfig,
  type ConsumerConfig,
} from '../../apps/shared/config.ts';
import { kafkaSecurityOptions } from '../../apps/shared/kafka.ts';
import { cassandraSecurityOptions } from '../../apps/consumer/sink.ts';
import { PipelineStack } from '../../src/aws/stacks/pipeline-stack.ts';
import { userDataBase64 } from '../../src/aws/constructs/user-data-encoding.ts';
import { specIssues, withDefaults, type PipelineSpecInput } from '../../src/spec/index.ts';
import { specFromInput } from '../../src/spec/load.ts';

type Block = Record<string, unknown>;
type Resources = Record<string, Record<string, Block>>;
interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[] | string;
  Condition?: Record<string, Record<string, string>>;
}

const CERT = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-tls-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function synth(input: PipelineSpecInput, runId = 's1'): { resource: Resources; data: Resources } {
  const spec = withDefaults(input);
  expect(specIssues(spec)).toEqual([]);
  return JSON.parse(Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec, runId }))) as {
    resource: Resources;
    data: Resources;
  };
}

/** The script inside `${base64encode(join("", ["…", ref, "…"]))}`, HCL escapes undone (references stay). */
function script(block: Block, key = 'user_data'): string {
  return String(block[key])
    .replace(/\\\\|\\n|\\"/g, (m) => (m === '\\\\' ? '\u0000' : m === '\\n' ? '\n' : '"'))
    .replaceAll('\u0000', '\\');
}

function launchTemplate(tf: { resource: Resources }, member: string): Block {
  const found = Object.entries(tf.resource.aws_launch_template!).find(([k]) => k.includes(`_${member}-lt_`));
  if (found) return found[1];
  return Object.entries(tf.resource.aws_launch_template!).find(([k]) => k.includes(`${member}_launch-template`))![1];
}

function policyOf(tf: { resource: Resources }, roleName: string): Statement[] {
  const p = Object.values(tf.resource.aws_iam_role_policy!).find((b) => b.name === `${roleName}-policy`)!;
  return (JSON.parse(String(p.policy)) as { Statement: Statement[] }).Statement;
}

const secured: PipelineSpecInput = {
  kafka: { security: { tls: true, sasl: 'scram-sha-512', certificateSecretArn: CERT } },
  cassandra: { security: { authentication: true, clientTls: true, certificateSecretArn: CERT } },
};

describe('Kafka TLS + SASL/SCRAM and Cassandra authentication + client TLS (kafka.security, cassandra.security)', () => {
  it('off by default: no secret, PLAINTEXT listeners, AllowAll on Cassandra, no credentials in the apps', () => {
    const tf = synth({});
    expect(tf.resource.aws_secretsmanager_secret).toBeUndefined();
    expect(tf.data.aws_secretsmanager_random_password).toBeUndefined();
    const kafka = script(launchTemplate(tf, 'kafka-1'));
    expect(kafka).not.toContain('TT_KAFKA_EXTRA_PROPERTIES');
    expect(kafka).not.toContain('secretsmanager');
    expect(script(launchTemplate(tf, 'producers'))).not.toContain('TT_KAFKA_SASL');
  });

  it('one secret per run and cluster, with a generated password kept after the first apply', () => {
    const tf = synth({ ...secured, encryption: { secretsKmsKeyArn: KEY } });
    const secrets = Object.values(tf.resource.aws_secretsmanager_secret!);
    expect(secrets.map((s) => s.name).sort()).toEqual(['terratower-s1-cassandra-auth', 'terratower-s1-kafka-scram']);
    for (const s of secrets) expect(s).toMatchObject({ recovery_window_in_days: 0, kms_key_id: KEY });
    const passwords = Object.values(tf.data.aws_secretsmanager_random_password!);
    expect(passwords).toHaveLength(2);
    for (const p of passwords) expect(p).toMatchObject({ exclude_punctuation: true, password_length: 32 });
    for (const v of Object.values(tf.resource.aws_secretsmanager_secret_version!)) {
      expect(v.lifecycle).toEqual({ ignore_changes: ['secret_string'] });
      expect(String(v.secret_string)).toMatch(/jsonencode\(\{"username" = "terratower", "password" = data\./);
    }
  });

  it('a hand-deployed (manual) run keeps a recovery window on its secrets', () => {
    const tf = synth(secured, 'manual');
    for (const s of Object.values(tf.resource.aws_secretsmanager_secret!)) expect(s.recovery_window_in_days).toBe(7);
  });

  it('brokers: SASL_SSL listener overrides, SCRAM credentials and the key store read at boot', () => {
    const tf = synth(secured);
    const s = script(launchTemplate(tf, 'kafka-2'));
    expect(s).toContain('TT_KAFKA_EXTRA_PROPERTIES=/etc/terratower/kafka-security.properties');
    expect(s).toContain('listeners=SASL_SSL://10.40.11.16:9092,CONTROLLER://10.40.11.16:9093');
    expect(s).toContain('listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT');
    expect(s).toContain('sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512');
    expect(s).toContain(
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="@TT_KAFKA_SASL_USERNAME@" password="@TT_KAFKA_SASL_PASSWORD@";',
    );
    expect(s).toContain('ssl.keystore.type=PEM');
    // The secret's ARN is a reference between the join's literal pieces.
    expect(s).toMatch(/secret_json "", aws_secretsmanager_secret\.\S*kafka-credentials\S*\.arn, ""/);
    expect(s).toContain(`secret_json "${CERT}"`);
    expect(s).toContain(
      '{ secret_field "$SECRET_2" privateKey; echo; secret_field "$SECRET_2" certificate; echo; } >/etc/terratower/tls/kafka-keystore.pem',
    );
    expect(s).toContain(
      'printf \'%s=%s\\n\' TT_KAFKA_SASL_PASSWORD "$TT_KAFKA_SASL_PASSWORD" >>/etc/terratower/kafka.env.tmp',
    );
    expect(s).toContain(
      'sed -i -e "s|@TT_KAFKA_SASL_PASSWORD@|$TT_KAFKA_SASL_PASSWORD|g" /etc/terratower/kafka-security.properties',
    );
    const read = policyOf(tf, 'terratower-s1-kafka').filter((st) =>
      st.Action.includes('secretsmanager:GetSecretValue'),
    );
    expect(read.flatMap((st) => st.Resource).sort()).toEqual(
      [CERT, expect.stringMatching(/^\$\{aws_secretsmanager_secret\..*kafka-credentials.*\.arn\}$/)].sort(),
    );
  });

  it('TLS alone gives an SSL listener; SASL alone gives SASL_PLAINTEXT', () => {
    const tls = script(
      launchTemplate(
        synth({ kafka: { security: { tls: true, sasl: 'none', certificateSecretArn: CERT } } }),
        'kafka-1',
      ),
    );
    expect(tls).toContain('listener.security.protocol.map=SSL:SSL,CONTROLLER:PLAINTEXT');
    expect(tls).not.toContain('sasl.');
    const sasl = script(
      launchTemplate(synth({ kafka: { security: { tls: false, sasl: 'scram-sha-512' } } }), 'kafka-1'),
    );
    expect(sasl).toContain('listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(sasl).not.toContain('ssl.keystore');
  });

  it('apps: the client settings in the env file, the credentials and CA read at boot, only their secrets readable', () => {
    const tf = synth(secured);
    const producer = script(launchTemplate(tf, 'producers'));
    expect(producer).toContain('TT_KAFKA_SASL_MECHANISM=scram-sha-512');
    expect(producer).toContain('TT_KAFKA_SSL=true');
    expect(producer).toContain('TT_KAFKA_SSL_CA_FILE=/etc/terratower/tls/kafka-ca.pem');
    expect(producer).toContain('TT_KAFKA_SASL_USERNAME=$(secret_field');
    // The producers read the bucket the run made, `<bucket>-<run id>`.
    expect(producer).toContain('TT_BUCKET=terratower-dataset-s1\n');
    expect(producer).not.toContain('TT_CASSANDRA_USERNAME');
    const consumer = script(launchTemplate(tf, 'consumers'));
    expect(consumer).toContain('TT_CASSANDRA_SSL=true');
    expect(consumer).toContain('TT_CASSANDRA_USERNAME=$(secret_field');
    const reads = (role: string) =>
      policyOf(tf, role)
        .filter((st) => st.Action.includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => st.Resource as string[]);
    expect(reads('terratower-s1-producers').some((r) => r.includes('cassandra-credentials'))).toBe(false);
    expect(reads('terratower-s1-consumers').some((r) => r.includes('cassandra-credentials'))).toBe(true);
    expect(reads('terratower-s1-consumers').some((r) => r.includes('kafka-credentials'))).toBe(true);
  });

  it('Cassandra: PasswordAuthenticator and client TLS on every node; node 1 alone creates the role', () => {
    const tf = synth(secured);
    const first = script(launchTemplate(tf, 'cassandra-1'));
    const second = script(launchTemplate(tf, 'cassandra-2'));
    for (const s of [first, second]) {
      expect(s).toContain('TT_CASSANDRA_AUTHENTICATOR=PasswordAuthenticator');
      expect(s).toContain('TT_CASSANDRA_CLIENT_KEYSTORE=/etc/terratower/tls/cassandra-keystore.pem');
    }
    expect(first).toContain('systemctl enable --now terratower-cassandra-auth.service');
    expect(first).toContain("CREATE ROLE IF NOT EXISTS $USERNAME WITH PASSWORD = '$PASSWORD'");
    expect(first).toContain("'eu-west-1': 3");
    expect(first).toContain('/opt/terratower/cqlsh/bin/cqlsh --ssl');
    expect(second).not.toContain('cassandra-auth');
    expect(second).not.toContain('TT_CASSANDRA_PASSWORD');
  });

  it('validation: every problem with its path and a fix', () => {
    const issues = (input: PipelineSpecInput) => specIssues(withDefaults(input));
    const noCert = issues({ kafka: { security: { tls: true, sasl: 'none' } } });
    expect(noCert.map((i) => i.path)).toEqual(['kafka.security.certificateSecretArn']);
    expect(noCert[0]!.message).toMatch(
      /required when kafka\.security\.tls is true: .* or set kafka\.security\.tls to false/,
    );
    const bad = issues({
      kafka: { security: { tls: true, sasl: 'plain' as 'none', certificateSecretArn: 'kafka-tls' } },
      cassandra: {
        security: { authentication: 'yes' as unknown as boolean, clientTls: false, certificateSecretArn: CERT },
      },
    });
    expect(bad.map((i) => i.path)).toEqual([
      'kafka.security.sasl',
      'kafka.security.certificateSecretArn',
      'cassandra.security.authentication',
      'cassandra.security.certificateSecretArn',
    ]);
    expect(bad[1]!.message).toContain('is not a Secrets Manager secret ARN');
    expect(bad[3]!.message).toContain('set cassandra.security.clientTls to true or remove');
    for (const i of bad) expect(i.message.split('\n')).toHaveLength(1);
  });
});

describe('the apps honour the security settings when set; the twin sets none', () => {
  const base: ConsumerConfig = {
    memberId: 'consumers-1',
    zone: 'a',
    kafkaBrokers: ['10.0.0.1:9092'],
    topic: 't',
    deadLetterTopic: 't.dlq',
    httpHost: '0.0.0.0',
    httpPort: 9400,
    groupId: 'g',
    cassandraContactPoints: ['10.0.0.2:9042'],
    cassandraDataCenter: 'eu-west-1',
    keyspace: 'k',
    table: 'x',
    consistency: 'LOCAL_QUORUM',
  };

  it('without them (the twin): no ssl, no sasl, no auth provider', () => {
    const config = readConsumerConfig(consumerEnv(base));
    expect(kafkaSecurityOptions(config)).toEqual({});
    expect(cassandraSecurityOptions(config)).toEqual({});
  });

  it('with them: kafkajs scram-sha-512 + ssl, cassandra-driver PlainTextAuthProvider + sslOptions', () => {
    const env = {
      ...consumerEnv({ ...base, kafkaSaslMechanism: 'scram-sha-512', kafkaSsl: true, cassandraSsl: true }),
      TT_KAFKA_SASL_USERNAME: 'terratower',
      TT_KAFKA_SASL_PASSWORD: 'pw1',
      TT_CASSANDRA_USERNAME: 'terratower',
      TT_CASSANDRA_PASSWORD: 'pw2',
    };
    const config = readConsumerConfig(env);
    expect(kafkaSecurityOptions(config)).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'terratower', password: 'pw1' },
    });
    const cassandra = cassandraSecurityOptions(config);
    expect(cassandra.sslOptions).toEqual({ rejectUnauthorized: true });
    expect(cassandra.authProvider?.constructor.name).toBe('PlainTextAuthProvider');
  });

  it('a mechanism without credentials, or half a pair, is refused naming the variables', () => {
    const producer = producerEnv({
      memberId: 'p',
      zone: 'a',
      kafkaBrokers: ['h:9092'],
      topic: 't',
      deadLetterTopic: 'd',
      httpHost: '0.0.0.0',
      httpPort: 9400,
      s3Endpoint: '',
      region: 'eu-west-1',
      bucket: 'b',
      prefix: '',
      ratePerSecond: 0,
      kafkaSaslMechanism: 'scram-sha-512',
    });
    expect(() => readProducerConfig(producer)).toThrow(/TT_KAFKA_SASL_MECHANISM is set but TT_KAFKA_SASL_USERNAME/);
    expect(() => readProducerConfig({ ...producer, TT_KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /TT_KAFKA_SASL_PASSWORD is missing/,
    );
    expect(() =>
      readProducerConfig({
        ...producer,
        TT_KAFKA_SASL_USERNAME: 'u',
        TT_KAFKA_SASL_PASSWORD: 'p',
        TT_KAFKA_SSL: 'yes',
      }),
    ).toThrow(/TT_KAFKA_SSL=yes is not true or false/);
  });
});

describe('snapshots of the data volumes (spec.snapshots)', () => {
  it('off by default', () => {
    expect(synth({}).resource.aws_dlm_lifecycle_policy).toBeUndefined();
  });

  it('a DLM policy targets the data volumes by a run-scoped tag that root volumes do not carry', () => {
    const tf = synth({ snapshots: { enabled: true, intervalHours: 12, retainCount: 14, startTime: '01:30' } });
    const [policy] = Object.values(tf.resource.aws_dlm_lifecycle_policy!);
    expect(policy).toMatchObject({
      state: 'ENABLED',
      policy_details: {
        resource_types: ['VOLUME'],
        target_tags: { 'terratower:snapshot': 'terratower-s1' },
        schedule: [
          {
            copy_tags: true,
            create_rule: { interval: 12, interval_unit: 'HOURS', times: ['01:30'] },
            retain_rule: { count: 14 },
          },
        ],
      },
    });
    const volumes = Object.values(tf.resource.aws_ebs_volume!);
    expect(volumes).toHaveLength(6);
    for (const v of volumes) expect((v.tags as Record<string, string>)['terratower:snapshot']).toBe('terratower-s1');
    for (const lt of Object.values(tf.resource.aws_launch_template!))
      expect(JSON.stringify(lt.tag_specifications)).not.toContain('terratower:snapshot');
    const role = Object.values(tf.resource.aws_iam_role!).find((r) => r.name === 'terratower-s1-snapshots')!;
    expect(String(role.assume_role_policy)).toContain('dlm.amazonaws.com');
    const statements = policyOf(tf, 'terratower-s1-snapshots');
    const create = statements.find((s) => s.Sid === 'SnapshotTaggedDataVolumes')!;
    expect(create.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/terratower:snapshot': 'terratower-s1' } });
    const del = statements.find((s) => s.Sid === 'DeleteOwnSnapshots')!;
    expect(del.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/terratower:run-id': 's1' } });
  });

  it('validation: interval, retention and start time with their fixes', () => {
    const issues = specIssues(
      withDefaults({ snapshots: { enabled: true, intervalHours: 5, retainCount: 0, startTime: '3am' } }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'snapshots.intervalHours',
      'snapshots.retainCount',
      'snapshots.startTime',
    ]);
    expect(issues[0]!.message).toContain('set snapshots.intervalHours to one of them');
  });
});

describe('user-data logs in CloudWatch Logs (spec.logs)', () => {
  it('on by default: a run-scoped group with retention; every instance ships to it; roles write there only', () => {
    const tf = synth({});
    const groups = Object.values(tf.resource.aws_cloudwatch_log_group!);
    const group = groups.find((g) => g.name === '/terratower/terratower-s1/user-data')!;
    expect(group).toMatchObject({ retention_in_days: 30 });
    expect(group.kms_key_id).toBeUndefined();
    const templates = Object.values(tf.resource.aws_launch_template!);
    expect(templates).toHaveLength(8);
    for (const lt of templates) {
      const s = script(lt);
      expect(s).toContain("GROUP='/terratower/terratower-s1/user-data'");
      expect(s).toContain('systemctl enable --now terratower-logship.service');
      // The shipper is installed before anything that can fail (attaching volumes, secrets).
      expect(s.indexOf('terratower-logship.service')).toBeLessThan(s.indexOf('cat >/etc/terratower/'));
    }
    expect(script(Object.values(tf.resource.aws_instance!)[0]!, 'user_data_base64')).toContain('terratower-logship');
    for (const role of ['kafka', 'cassandra', 'producers', 'consumers', 'monitoring']) {
      const ship = policyOf(tf, `terratower-s1-${role}`).find((s) => s.Sid === 'ShipUserDataLogs')!;
      expect(ship.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(ship.Resource).toEqual([
        expect.stringMatching(/^\$\{aws_cloudwatch_log_group\..*user-data-logs.*\.arn\}$/),
        expect.stringMatching(/^\$\{aws_cloudwatch_log_group\..*\.arn\}:log-stream:\*$/),
      ]);
    }
  });

  it('the logs key encrypts the user-data and flow-log groups; retention as given; off when asked', () => {
    const tf = synth({
      network: { flowLogs: true },
      encryption: { logsKmsKeyArn: KEY },
      logs: { userData: true, retentionDays: 90 },
    });
    const groups = Object.values(tf.resource.aws_cloudwatch_log_group!);
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(g.kms_key_id).toBe(KEY);
    expect(groups.find((g) => String(g.name).endsWith('/user-data'))!.retention_in_days).toBe(90);
    const off = synth({ logs: { userData: false } });
    expect(off.resource.aws_cloudwatch_log_group).toBeUndefined();
    expect(script(launchTemplate(off, 'producers'))).not.toContain('logship');
  });

  it('validation: a retention CloudWatch Logs does not take, with the nearest one', () => {
    const issues = specIssues(withDefaults({ logs: { userData: true, retentionDays: 10 } }));
    expect(issues).toEqual([
      { path: 'logs.retentionDays', message: expect.stringContaining('set logs.retentionDays to 14') },
    ]);
  });
});

describe('under-replicated partitions and unhealthy members (spec.alarms)', () => {
  it('brokers publish the count every minute with a run-scoped dimension; the alarm reads its maximum', () => {
    const tf = synth({ alarms: { enabled: true } });
    const s = script(launchTemplate(tf, 'kafka-3'));
    expect(s).toContain('org.apache.kafka.tools.TopicCommand \\\n  --bootstrap-server 10.40.12.16:9092');
    expect(s).toContain('--describe --under-replicated-partitions');
    expect(s).toContain(
      '--namespace Terratower --metric-name UnderReplicatedPartitions \\\n  --dimensions Pipeline=terratower-s1',
    );
    expect(s).toContain('OnUnitActiveSec=60');
    expect(s).toContain('systemctl enable --now terratower-urp.timer');
    expect(s).toContain('security.protocol=PLAINTEXT');
    const put = policyOf(tf, 'terratower-s1-kafka').find((st) => st.Action.includes('cloudwatch:PutMetricData'))!;
    expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Terratower' } });
    const alarms = Object.values(tf.resource.aws_cloudwatch_metric_alarm!);
    const urp = alarms.find((a) => a.alarm_name === 'terratower-s1-under-replicated')!;
    expect(urp).toMatchObject({
      namespace: 'Terratower',
      metric_name: 'UnderReplicatedPartitions',
      dimensions: { Pipeline: 'terratower-s1' },
      statistic: 'Maximum',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'breaching',
    });
    const unhealthy = alarms.find((a) => a.alarm_name === 'terratower-s1-consumers-unhealthy')!;
    expect(unhealthy).toMatchObject({
      metric_name: 'UnhealthyReports',
      dimensions: { Pipeline: 'terratower-s1', Group: 'consumers' },
      statistic: 'Sum',
    });
    const consumer = script(launchTemplate(tf, 'consumers'));
    expect(consumer).toContain(
      'aws cloudwatch put-metric-data --region eu-west-1 --namespace Terratower --metric-name UnhealthyReports --dimensions Pipeline=terratower-s1,Group=consumers --value 1',
    );
  });

  it('each can be turned off; without alarms brokers publish nothing', () => {
    const tf = synth({ alarms: { enabled: true, underReplicatedPartitions: false, unhealthyMembers: false } });
    const names = Object.values(tf.resource.aws_cloudwatch_metric_alarm!).map((a) => String(a.alarm_name));
    expect(names.some((n) => n.endsWith('under-replicated') || n.endsWith('-unhealthy'))).toBe(false);
    expect(script(launchTemplate(tf, 'kafka-1'))).not.toContain('TopicCommand');
    expect(script(launchTemplate(synth({}), 'kafka-1'))).not.toContain('TopicCommand');
  });
});

describe('user data reaches Terraform byte for byte', () => {
  it('backslashes, quotes, newlines and ${ survive the HCL string (line continuations, \\n in jq and printf)', () => {
    const text = 'a \\\nb printf "%s\\n" ${x} \'q\'\n';
    const app = Testing.app();
    const stack = new TerraformStack(app, 'encoding');
    new TerraformOutput(stack, 'script', { value: userDataBase64(text) });
    const out = (JSON.parse(Testing.synth(stack)) as { output: { script: { value: string } } }).output.script.value;
    const inner = /^\$\{base64encode\("(.*)"\)\}$/s.exec(out)?.[1];
    expect(inner).toBeDefined();
    // HCL string escapes: \\ \n \" and $${ for a literal ${.
    const decoded = inner!
      .replace(/\\\\|\\n|\\"/g, (m) => (m === '\\\\' ? '\u0000' : m === '\\n' ? '\n' : '"'))
      .replaceAll('\u0000', '\\')
      .replaceAll('$${', '${');
    expect(decoded).toBe(text);
  });
});

describe('spec files', () => {
  it('accept the new sections and name a misspelt key in them', () => {
    const spec = specFromInput({
      kafka: { security: { tls: false, sasl: 'scram-sha-512' } },
      logs: { userData: false },
    });
    expect(spec.kafka.security).toEqual({ tls: false, sasl: 'scram-sha-512' });
    expect(() =>
      specFromInput({ snapshots: { enabled: true, retain: 3 }, cassandra: { security: { auth: true } } }),
    ).toThrow(
      /cassandra\.security\.auth: is not a spec field[\s\S]*snapshots\.retain: is not a spec field[^\n]*known: enabled, intervalHours, retainCount, startTime/,
    );
  });
});
