/**
 * The contract between user data (src/aws/constructs/user-data.ts) and the AMIs' boot scripts: every
 * TT_* variable a configure script reads is one user data writes for that role, every variable a
 * script requires is always written, and each role's unit reads the env file user data writes and
 * has the name user data enables.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CASSANDRA_CREDENTIAL_ENV,
  KAFKA_CREDENTIAL_ENV,
  cassandraMemberEnv,
  cassandraSecurityEnv,
  kafkaSecurityEnv,
  consumerFleetEnv,
  kafkaClusterId,
  kafkaMemberEnv,
  monitoringEnv,
  producerFleetEnv,
  renderUserData,
  type InstanceRole,
} from '../../src/aws/constructs/user-data.ts';
import { PACKER_DIR } from '../../src/support/paths.ts';
import { defaultSpec, withDefaults } from '../../src/spec/defaults.ts';
import { clusterMembers } from '../../src/spec/derive.ts';

const SCRIPTS = join(PACKER_DIR, 'scripts');
const spec = defaultSpec();

/** The env user data writes for each role. */
const WRITTEN: Record<InstanceRole, Record<string, string>> = {
  kafka: kafkaMemberEnv(spec, clusterMembers(spec, 'kafka')[0]!, kafkaClusterId('s', 'r')),
  cassandra: cassandraMemberEnv(spec, clusterMembers(spec, 'cassandra')[0]!, 'c'),
  monitoring: monitoringEnv(spec, 'stack'),
  producer: producerFleetEnv(spec),
  consumer: consumerFleetEnv(spec),
};

/** What user data may add for the spec's security options (`kafka.security`, `cassandra.security`). */
const secured = withDefaults({
  kafka: { security: { tls: true, sasl: 'scram-sha-512', certificateSecretArn: 'arn' } },
  cassandra: { security: { authentication: true, clientTls: true, certificateSecretArn: 'arn' } },
});
const OPTIONAL: Partial<Record<InstanceRole, Record<string, string>>> = {
  kafka: { ...kafkaSecurityEnv(secured), ...KAFKA_CREDENTIAL_ENV },
  cassandra: { ...cassandraSecurityEnv(secured), ...CASSANDRA_CREDENTIAL_ENV },
};

const CONFIGURE: Partial<Record<InstanceRole, string>> = {
  kafka: 'configure-kafka.sh',
  cassandra: 'configure-cassandra.sh',
  monitoring: 'configure-monitoring.sh',
};

function script(name: string): string {
  return readFileSync(join(SCRIPTS, name), 'utf8');
}

/** TT_* names a script uses (comments included: they document what it reads). */
function readsVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/\bTT_[A-Z0-9_]+\b/g)].map((m) => m[0]))].sort();
}

/** Names passed to tt_require. */
function requiredVariables(text: string): string[] {
  return [...text.matchAll(/^\s*tt_require (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
}

describe('user data ↔ configure scripts', () => {
  for (const [role, file] of Object.entries(CONFIGURE) as Array<[InstanceRole, string]>) {
    it(`${file} reads only variables user data writes for ${role}, and requires only ones it always writes`, () => {
      const text = script(file);
      const written = Object.keys(WRITTEN[role]);
      const mayWrite = [...written, ...Object.keys(OPTIONAL[role] ?? {})];
      const reads = readsVariables(text);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.filter((name) => !mayWrite.includes(name))).toEqual([]);
      const required = requiredVariables(text);
      expect(required.length).toBeGreaterThan(0);
      expect(required.filter((name) => !written.includes(name))).toEqual([]);
    });
  }

  it('every unit reads the env file user data writes and is the unit user data enables', () => {
    for (const role of Object.keys(WRITTEN) as InstanceRole[]) {
      const unit = readFileSync(join(SCRIPTS, 'systemd', `terratower-${role}.service`), 'utf8');
      const userData = renderUserData({ role, region: spec.region, env: WRITTEN[role] });
      const envFile = /cat >(\/etc\/terratower\/[\w-]+\.env)\.tmp/.exec(userData)?.[1];
      expect(envFile, role).toBe(`/etc/terratower/${role}.env`);
      expect(userData).toContain(`systemctl enable --now terratower-${role}.service`);
      expect(unit, role).toContain(envFile!);
      expect(unit).toMatch(new RegExp(`^ConditionPathExists=${envFile!.replace(/\./g, '\\.')}$`, 'm'));
    }
  });

  it('the app units hand the whole env file to the apps (EnvironmentFile=)', () => {
    for (const role of ['producer', 'consumer'] as const) {
      const unit = readFileSync(join(SCRIPTS, 'systemd', `terratower-${role}.service`), 'utf8');
      expect(unit).toMatch(new RegExp(`^EnvironmentFile=/etc/terratower/${role}\\.env$`, 'm'));
      expect(unit).toMatch(new RegExp(`^ExecStart=@PREFIX@/bin/terratower-${role}$`, 'm'));
    }
  });
});
