/**
 * The boot-time scripts run for real (bash, milliseconds): each configure script renders its
 * role's config from the env file src/aws/constructs/user-data.ts writes, the start scripts build
 * the java command line, and install-systemd-units.sh renders the units into a staging dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cassandraMemberEnv,
  kafkaClusterId,
  kafkaMemberEnv,
  monitoringEnv,
  renderEnvFile,
} from '../../src/aws/constructs/user-data.ts';
import { PACKER_DIR } from '../../src/support/paths.ts';
import { GRAFANA_DATASOURCE_UID } from '../../src/aws/monitoring/grafana.ts';
import { prometheusConfigObject } from '../../src/aws/monitoring/prometheus.ts';
import { defaultSpec, withDefaults } from '../../src/spec/defaults.ts';
import { clusterMembers } from '../../src/spec/derive.ts';
import { PORTS } from '../../src/spec/ports.ts';

const SCRIPTS = join(PACKER_DIR, 'scripts');
const work = mkdtempSync(join(tmpdir(), 'tt-packer-configure-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
function scratch(): string {
  const dir = join(work, String(++counter));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Run a script; returns status, stdout and stderr (never throws). */
function run(script: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', [join(SCRIPTS, script), ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^#=\s][^=]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe('configure-kafka.sh', () => {
  const spec = defaultSpec();
  const members = clusterMembers(spec, 'kafka');

  function configure(memberIndex: number, overrides: Record<string, string> = {}) {
    const dir = scratch();
    // No data volume here: user data writes "none" when a member has none.
    const env: Record<string, string> = {
      ...kafkaMemberEnv(spec, members[memberIndex]!, kafkaClusterId('s', 'r')),
      TT_DATA_DIR: join(dir, 'data'),
      TT_DATA_DEVICE: 'none',
      ...overrides,
    };
    writeFileSync(join(dir, 'kafka.env'), renderEnvFile(env));
    const result = run('configure-kafka.sh', [
      '--prefix',
      join(dir, 'prefix'),
      '--env-file',
      join(dir, 'kafka.env'),
      '--no-format',
    ]);
    return { dir, env, result, conf: join(dir, 'prefix', 'config') };
  }

  it('renders a KRaft broker+controller config with the member identity, quorum and rack', () => {
    const { dir, env, result, conf } = configure(1);
    expect(result.stderr).toContain('configured');
    expect(result.status).toBe(0);
    const p = properties(readFileSync(join(conf, 'server.properties'), 'utf8'));
    expect(p['process.roles']).toBe('broker,controller');
    expect(p['node.id']).toBe('2');
    expect(p['controller.quorum.voters']).toBe(env.TT_CONTROLLER_QUORUM);
    expect(p['controller.quorum.voters']!.split(',')).toHaveLength(spec.kafka.brokers);
    expect(p.listeners).toBe(
      `PLAINTEXT://${members[1]!.privateIp}:${PORTS.kafkaClient},CONTROLLER://${members[1]!.privateIp}:${PORTS.kafkaController}`,
    );
    expect(p['advertised.listeners']).toContain(`PLAINTEXT://${members[1]!.privateIp}:${PORTS.kafkaClient}`);
    expect(p['broker.rack']).toBe(spec.zones[1]);
    expect(p['log.dirs']).toBe(join(dir, 'data', 'kafka-logs'));
    expect(p['default.replication.factor']).toBe(String(spec.kafka.replicationFactor));
    expect(p['min.insync.replicas']).toBe(String(spec.kafka.minInSyncReplicas));
    expect(p['offsets.topic.replication.factor']).toBe(String(spec.kafka.replicationFactor));
    expect(existsSync(join(dir, 'data', 'kafka-logs'))).toBe(true);
    expect(readFileSync(join(conf, 'jvm.env'), 'utf8')).toMatch(/^KAFKA_HEAP_MB=\d+$/m);
  });

  it('caps replication settings at the number of brokers', () => {
    const one = withDefaults({
      kafka: { brokers: 1, replicationFactor: 1, minInSyncReplicas: 1 },
      zones: ['eu-west-1a'],
      multiAz: false,
      tolerateZoneLoss: false,
      network: { publicSubnetCidrs: ['10.40.0.0/24'], privateSubnetCidrs: ['10.40.10.0/24'] },
    });
    const dir = scratch();
    const env = {
      ...kafkaMemberEnv(one, clusterMembers(one, 'kafka')[0]!, 'AAAAAAAAAAAAAAAAAAAAAA'),
      TT_DATA_DIR: join(dir, 'data'),
      TT_DATA_DEVICE: 'none',
      TT_REPLICATION_FACTOR: '3',
    };
    writeFileSync(join(dir, 'kafka.env'), renderEnvFile(env));
    const result = run('configure-kafka.sh', [
      '--prefix',
      join(dir, 'p'),
      '--env-file',
      join(dir, 'kafka.env'),
      '--no-format',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const p = properties(readFileSync(join(dir, 'p', 'config', 'server.properties'), 'utf8'));
    expect(p['offsets.topic.replication.factor']).toBe('1');
    expect(p['transaction.state.log.min.isr']).toBe('1');
  });

  it('refuses a node id that is not in the quorum, and names missing variables', () => {
    expect(configure(0, { TT_NODE_ID: '9' }).result.stderr).toMatch(/TT_NODE_ID=9 is not a voter/);
    const dir = scratch();
    writeFileSync(join(dir, 'kafka.env'), 'TT_NODE_ID=1\n');
    const r = run('configure-kafka.sh', [
      '--prefix',
      join(dir, 'p'),
      '--env-file',
      join(dir, 'kafka.env'),
      '--no-mount',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /missing in the environment file: TT_ADVERTISED_HOST TT_CONTROLLER_QUORUM TT_CLUSTER_ID TT_DATA_DIR/,
    );
  });

  it('start-kafka.sh runs kafka.Kafka on the rendered config with the computed heap', () => {
    const { conf, dir } = configure(0);
    const r = run('start-kafka.sh', ['--prefix', join(dir, 'prefix'), '--print']);
    expect(r.status, r.stderr).toBe(0);
    const argv = r.stdout.trim().split('\n');
    const heap = /KAFKA_HEAP_MB=(\d+)/.exec(readFileSync(join(conf, 'jvm.env'), 'utf8'))![1];
    expect(argv[0]).toBe('java');
    expect(argv).toContain(`-Xmx${heap}m`);
    expect(argv.slice(-2)).toEqual(['kafka.Kafka', join(conf, 'server.properties')]);
    expect(argv).toContain(`${join(dir, 'prefix')}/lib/*`);
  });
});

describe('configure-cassandra.sh', () => {
  const spec = defaultSpec();
  const members = clusterMembers(spec, 'cassandra');

  it('renders cassandra.yaml and rackdc from the member env: token, seeds, address, dc and rack', () => {
    const dir = scratch();
    const env: Record<string, string> = {
      ...cassandraMemberEnv(spec, members[2]!, 'tt-cluster'),
      TT_DATA_DIR: join(dir, 'data'),
    };
    writeFileSync(join(dir, 'cassandra.env'), renderEnvFile(env));
    const r = run('configure-cassandra.sh', [
      '--prefix',
      join(dir, 'prefix'),
      '--env-file',
      join(dir, 'cassandra.env'),
      '--no-mount',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const conf = join(dir, 'prefix', 'conf');
    const yaml = parseYaml(readFileSync(join(conf, 'cassandra.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml.cluster_name).toBe('tt-cluster');
    expect(yaml.num_tokens).toBe(1);
    expect(String(yaml.initial_token)).toBe(env.TT_INITIAL_TOKEN);
    expect(yaml.listen_address).toBe(members[2]!.privateIp);
    expect(yaml.rpc_address).toBe(members[2]!.privateIp);
    expect(yaml.native_transport_port).toBe(PORTS.cassandraCql);
    expect(yaml.storage_port).toBe(PORTS.cassandraInternode);
    expect(yaml.endpoint_snitch).toBe('GossipingPropertyFileSnitch');
    const seeds = (yaml.seed_provider as Array<{ parameters: Array<{ seeds: string }> }>)[0]!.parameters[0]!.seeds;
    expect(seeds).toBe(env.TT_SEEDS);
    expect(yaml.data_file_directories).toEqual([join(dir, 'data', 'data')]);
    expect(yaml.commitlog_directory).toBe(join(dir, 'data', 'commitlog'));
    const rackdc = properties(readFileSync(join(conf, 'cassandra-rackdc.properties'), 'utf8'));
    expect(rackdc).toEqual(expect.objectContaining({ dc: spec.region, rack: members[2]!.zone }));
  });

  it('start-cassandra.sh uses the jamm agent and the rendered config files', () => {
    const dir = scratch();
    const env = { ...cassandraMemberEnv(spec, members[0]!, 'c'), TT_DATA_DIR: join(dir, 'data') };
    writeFileSync(join(dir, 'cassandra.env'), renderEnvFile(env));
    expect(
      run('configure-cassandra.sh', [
        '--prefix',
        join(dir, 'p'),
        '--env-file',
        join(dir, 'cassandra.env'),
        '--no-mount',
      ]).status,
    ).toBe(0);
    expect(run('start-cassandra.sh', ['--prefix', join(dir, 'p'), '--print']).stderr).toMatch(/no jamm-\*\.jar/);
    mkdirSync(join(dir, 'p', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'p', 'lib', 'jamm-0.4.0.jar'), '');
    const r = run('start-cassandra.sh', ['--prefix', join(dir, 'p'), '--print']);
    expect(r.status, r.stderr).toBe(0);
    const argv = r.stdout.trim().split('\n');
    expect(argv).toContain(`-javaagent:${join(dir, 'p', 'lib', 'jamm-0.4.0.jar')}`);
    expect(argv).toContain(`-Dcassandra.config=file://${join(dir, 'p', 'conf', 'cassandra.yaml')}`);
    expect(argv).toContain(
      `-Dcassandra-rackdc.properties=file://${join(dir, 'p', 'conf', 'cassandra-rackdc.properties')}`,
    );
    expect(argv.at(-1)).toBe('org.apache.cassandra.service.CassandraDaemon');
  });
});

describe('configure-monitoring.sh', () => {
  const spec = defaultSpec();

  it('renders the same EC2 discovery config from the env file as prometheusConfig(spec, ec2)', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'monitoring.env'), renderEnvFile(monitoringEnv(spec, 'demo-stack')));
    const r = run('configure-monitoring.sh', [
      '--prefix',
      join(dir, 'p'),
      '--env-file',
      join(dir, 'monitoring.env'),
      '--source-dir',
      join(dir, 'none'),
      '--grafana-dir',
      join(dir, 'grafana'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const rendered = parseYaml(readFileSync(join(dir, 'p', 'etc', 'prometheus.yml'), 'utf8')) as unknown;
    expect(rendered).toEqual(prometheusConfigObject(spec, { mode: 'ec2', stackName: 'demo-stack' }));
  });

  it('prefers a prometheus.yml and dashboards written by user data, and provisions the data source uid the dashboards use', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'src', 'dashboards'), { recursive: true });
    writeFileSync(join(dir, 'src', 'prometheus.yml'), 'global:\n  scrape_interval: 7s\n');
    writeFileSync(join(dir, 'src', 'dashboards', 'a.json'), '{}');
    mkdirSync(join(dir, 'p', 'share', 'dashboards'), { recursive: true });
    writeFileSync(join(dir, 'p', 'share', 'dashboards', 'baked.json'), '{}');
    const r = run('configure-monitoring.sh', [
      '--prefix',
      join(dir, 'p'),
      '--env-file',
      join(dir, 'absent.env'),
      '--source-dir',
      join(dir, 'src'),
      '--grafana-dir',
      join(dir, 'grafana'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'p', 'etc', 'prometheus.yml'), 'utf8')).toContain('scrape_interval: 7s');
    expect(existsSync(join(dir, 'p', 'dashboards', 'a.json'))).toBe(true);
    expect(existsSync(join(dir, 'p', 'dashboards', 'baked.json'))).toBe(false);
    const ds = parseYaml(readFileSync(join(dir, 'grafana', 'datasources', 'terratower.yaml'), 'utf8')) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(ds.datasources[0]!.uid).toBe(GRAFANA_DATASOURCE_UID);
    expect(ds.datasources[0]!.url).toBe(`http://127.0.0.1:${PORTS.prometheus}`);
    const provider = parseYaml(readFileSync(join(dir, 'grafana', 'dashboards', 'terratower.yaml'), 'utf8')) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0]!.options.path).toBe(join(dir, 'p', 'dashboards'));
  });

  it('falls back to the dashboards baked into the image', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'monitoring.env'), renderEnvFile(monitoringEnv(spec, 's')));
    mkdirSync(join(dir, 'p', 'share', 'dashboards'), { recursive: true });
    writeFileSync(join(dir, 'p', 'share', 'dashboards', 'baked.json'), '{}');
    const r = run('configure-monitoring.sh', [
      '--prefix',
      join(dir, 'p'),
      '--env-file',
      join(dir, 'monitoring.env'),
      '--source-dir',
      join(dir, 'none'),
      '--grafana-dir',
      join(dir, 'g'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'p', 'dashboards', 'baked.json'))).toBe(true);
  });
});

describe('lib/common.sh tt_load_env', () => {
  it('reads KEY=VALUE lines literally: comments, quotes, no shell expansion, only TT_/AWS_ names', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'x.env'),
      [
        '# comment',
        '',
        'TT_A=plain',
        'TT_B="double quoted"',
        "TT_C='single'",
        `TT_D=$(touch ${join(dir, 'pwned')})`,
        'PATH=/nope',
        'AWS_REGION=eu-west-1',
        '',
      ].join('\n'),
    );
    const out = execFileSync(
      'bash',
      [
        '-c',
        `. "$1"; tt_load_env "$2"; printf '%s|' "$TT_A" "$TT_B" "$TT_C" "$TT_D" "$AWS_REGION" "$PATH"`,
        'x',
        join(SCRIPTS, 'lib', 'common.sh'),
        join(dir, 'x.env'),
      ],
      { encoding: 'utf8' },
    );
    const [a, b, c, d, region, path] = out.split('|');
    expect([a, b, c, d, region]).toEqual([
      'plain',
      'double quoted',
      'single',
      `$(touch ${join(dir, 'pwned')})`,
      'eu-west-1',
    ]);
    expect(path).not.toBe('/nope');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('install-systemd-units.sh', () => {
  const cases = [
    { role: 'kafka', units: ['terratower-kafka'], scripts: ['configure-kafka.sh', 'start-kafka.sh'] },
    { role: 'cassandra', units: ['terratower-cassandra'], scripts: ['configure-cassandra.sh', 'start-cassandra.sh'] },
    { role: 'app', units: ['terratower-producer', 'terratower-consumer'], scripts: [] },
    { role: 'monitoring', units: ['terratower-monitoring'], scripts: ['configure-monitoring.sh'] },
  ];
  for (const c of cases) {
    it(`installs the ${c.role} unit(s) with the prefix filled in and their scripts beside`, () => {
      const dest = scratch();
      const prefix = `/opt/terratower/${c.role}`;
      const r = run('install-systemd-units.sh', ['--prefix', prefix, '--role', c.role, '--destdir', dest]);
      expect(r.status, r.stderr).toBe(0);
      for (const unit of c.units) {
        const text = readFileSync(join(dest, 'etc', 'systemd', 'system', `${unit}.service`), 'utf8');
        expect(text).not.toMatch(/@[A-Z]+@/);
        const execs = [...text.matchAll(/^Exec\w+=[+-]?(\S+)/gm)].map((m) => m[1]!);
        expect(execs.length).toBeGreaterThan(0);
        for (const exe of execs) {
          if (exe.startsWith(`${prefix}/libexec/`)) expect(existsSync(join(dest, exe)), exe).toBe(true);
          else if (exe.startsWith(prefix))
            expect(exe, 'app launchers come from install-node-app.sh').toMatch(
              /\/bin\/terratower-(producer|consumer)$/,
            );
        }
        expect(text).toMatch(/^WantedBy=multi-user.target$/m);
      }
      for (const script of c.scripts) expect(existsSync(join(dest, prefix, 'libexec', script))).toBe(true);
      if (c.scripts.length > 0) expect(existsSync(join(dest, prefix, 'libexec', 'lib', 'common.sh'))).toBe(true);
    });
  }

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!analyze)(
    'systemd-analyze verify accepts every rendered unit (monitoring: only /usr/bin/prometheus, which the image installs, is missing here)',
    () => {
      const root = scratch();
      const dest = join(root, 'dest');
      for (const c of cases) {
        // The unit names PREFIX/libexec/…; point PREFIX at the staged copy so the paths resolve.
        const prefix = join(root, `prefix-${c.role}`);
        expect(run('install-systemd-units.sh', ['--prefix', prefix, '--role', c.role, '--destdir', dest]).status).toBe(
          0,
        );
        symlinkSync(join(dest, prefix), prefix);
      }
      mkdirSync(join(root, 'prefix-app', 'bin'), { recursive: true });
      for (const app of ['producer', 'consumer'])
        writeFileSync(join(root, 'prefix-app', 'bin', `terratower-${app}`), '#!/bin/sh\n', { mode: 0o755 });
      for (const unit of cases.flatMap((c) => c.units)) {
        const r = spawnSync('systemd-analyze', ['verify', join(dest, 'etc', 'systemd', 'system', `${unit}.service`)], {
          encoding: 'utf8',
          timeout: 15_000,
          env: { ...process.env, SYSTEMD_LOG_LEVEL: 'notice' },
        });
        const problems = r.stderr
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.includes('/usr/bin/prometheus is not executable'));
        expect(problems, unit).toEqual([]);
      }
    },
  );

  it('rejects an unknown role', () => {
    const r = run('install-systemd-units.sh', ['--prefix', '/x', '--role', 'web', '--destdir', scratch()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown role 'web'/);
  });
});
