/**
 * Zone latency on AWS (tc netem through SSM Run Command): the script, its parameters, the
 * validation and the instances a zone's fault takes. The script is checked with shellcheck (when
 * it is on PATH or in the cache) and run under `sh` with stand-ins for `ip`, `tc` and `sleep` that
 * record what it asks: the qdisc goes away at the end, on SIGTERM, and — through the watchdog —
 * when the process group is SIGKILLed as the SSM agent does on CancelCommand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InvalidInstanceId } from '@aws-sdk/client-ssm';
import { afterAll, describe, expect, it } from 'vitest';
import { findShellcheck, runShellcheck } from '../../src/aws/packer/shellcheck.ts';
import { explainSendCommandError } from '../../src/harness/targets/aws-cpu-stress.ts';
import {
  EXECUTION_MARGIN_SECONDS,
  checkLatencyZone,
  netemOptions,
  validateZoneLatency,
  zoneCidrs,
  zoneLatencyInstances,
  zoneLatencyMethod,
  zoneLatencyParameters,
  zoneLatencyScript,
  type ZoneLatencyRun,
} from '../../src/harness/targets/aws-zone-latency.ts';
import type { GroupState, MemberLifecycle } from '../../src/model/target.ts';
import type { GroupName } from '../../src/spec/index.ts';

const CIDRS = ['10.0.1.0/24', '10.0.11.0/24'];
const SCRIPT = zoneLatencyScript({ cidrs: CIDRS, delayMs: 50, lossPercent: 1, seconds: 30 });
const LINES = SCRIPT.split('\n');

const work = mkdtempSync(join(tmpdir(), 'tt-zone-latency-'));
/** Process groups of the scripts run below: killed at the end even when a test failed half-way. */
const groups: number[] = [];
afterAll(() => {
  for (const pgid of groups)
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  rmSync(work, { recursive: true, force: true });
});

describe('validateZoneLatency', () => {
  it('fills in loss 0 and rounds seconds up', () => {
    expect(validateZoneLatency({ delayMs: 50, seconds: 29.2 })).toEqual({ delayMs: 50, lossPercent: 0, seconds: 30 });
    expect(validateZoneLatency({ delayMs: 0, lossPercent: 100, seconds: 3600 })).toEqual({
      delayMs: 0,
      lossPercent: 100,
      seconds: 3600,
    });
    expect(validateZoneLatency({ delayMs: 60_000, lossPercent: 0.5, seconds: 1 })).toMatchObject({ delayMs: 60_000 });
  });

  it('refuses what cannot be done, in one line naming the fix', () => {
    const cases: [Parameters<typeof validateZoneLatency>[0], RegExp][] = [
      [{ delayMs: -1, seconds: 10 }, /^zoneLatency: latency delayMs -1: use 0 to 60000 \(milliseconds, one way\)$/],
      [{ delayMs: 60_001, seconds: 10 }, /latency delayMs 60001: use 0 to 60000/],
      [{ delayMs: Number.NaN, seconds: 10 }, /latency delayMs NaN: use 0 to 60000/],
      [{ delayMs: 10, lossPercent: 101, seconds: 10 }, /^zoneLatency: latency lossPercent 101: use 0 to 100$/],
      [{ delayMs: 10, lossPercent: -0.1, seconds: 10 }, /latency lossPercent -0.1: use 0 to 100/],
      [{ delayMs: 10, seconds: 0 }, /^zoneLatency: latency seconds 0: use more than 0, at most 3600$/],
      [{ delayMs: 10, seconds: 3601 }, /latency seconds 3601: use more than 0, at most 3600/],
      [{ delayMs: 10, seconds: Number.POSITIVE_INFINITY }, /latency seconds Infinity: use more than 0, at most 3600/],
      [
        { delayMs: 0, lossPercent: 0, seconds: 10 },
        /^zoneLatency: latency with delayMs 0 and lossPercent 0 changes nothing: give a delay/,
      ],
    ];
    for (const [latency, message] of cases) {
      expect(() => validateZoneLatency(latency), JSON.stringify(latency)).toThrow(message);
      try {
        validateZoneLatency(latency);
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
      }
    }
  });
});

describe('checkLatencyZone', () => {
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  it('an unknown zone: one line listing the zones', () => {
    expect(() => checkLatencyZone('eu-west-1d', zones)).toThrow(
      /^zoneLatency: no zone "eu-west-1d"; the pipeline's zones are eu-west-1a, eu-west-1b, eu-west-1c$/,
    );
    expect(() => checkLatencyZone('eu-west-1b', zones)).not.toThrow();
  });
  it('one zone has no other zone to be slow to', () => {
    expect(() => checkLatencyZone('eu-west-1a', ['eu-west-1a'])).toThrow(/needs two or more/);
  });
});

describe('zoneLatencyScript', () => {
  it('netem options: delay in ms and loss in percent, at most three decimals', () => {
    expect(netemOptions({ delayMs: 50, lossPercent: 1, seconds: 30 })).toBe('limit 100000 delay 50ms loss 1%');
    expect(netemOptions({ delayMs: 0.25, lossPercent: 0.0001, seconds: 30 })).toBe('limit 100000 delay 0.25ms loss 0%');
  });

  it('the tc lines, in order: cleanup, prio root with four bands, watchdog, netem on band 4, one u32 filter per CIDR', () => {
    const tc = LINES.map((l) => l.trim()).filter((l) => /^(if ! )?tc (qdisc|filter) (add|del) |^setsid /.test(l));
    expect(tc).toEqual([
      'tc qdisc del dev "$IF" root handle 1: 2>/dev/null || true', // in cleanup(), defined first
      'if ! tc qdisc add dev "$IF" root handle 1: prio bands 4; then',
      expect.stringMatching(/^setsid sh -c '.*tc qdisc del dev "\$2" root handle 1: 2>\/dev\/null; rm -f "\$3"; fi'/),
      'if ! tc qdisc add dev "$IF" parent 1:4 handle 40: netem limit 100000 delay 50ms loss 1%; then',
      'tc filter add dev "$IF" parent 1: protocol ip prio 1 u32 match ip dst 10.0.1.0/24 flowid 1:4',
      'tc filter add dev "$IF" parent 1: protocol ip prio 1 u32 match ip dst 10.0.11.0/24 flowid 1:4',
    ]);
  });

  it('finds the default-route interface, refuses a root qdisc that is not the default, sleeps, cleans up on exit and signals', () => {
    expect(LINES[0]).toBe('#!/bin/sh');
    expect(SCRIPT).toContain('ip route show default');
    expect(SCRIPT).toContain('if [ -n "$HANDLE" ] && [ "$HANDLE" != "0:" ]; then');
    expect(SCRIPT).toMatch(/already has a root qdisc other than the default \(\$ROOT\); refusing.*" >&2\n {2}exit 1/);
    expect(LINES).toEqual(
      expect.arrayContaining([
        'trap cleanup EXIT',
        "trap 'exit 143' TERM",
        "trap 'exit 130' INT",
        "trap 'exit 129' HUP",
      ]),
    );
    // The trap comes after the qdisc exists (never removes someone else's), the filters after the trap.
    const at = (s: string) => LINES.findIndex((l) => l.includes(s));
    expect(at('root handle 1: prio bands 4')).toBeLessThan(at('trap cleanup EXIT'));
    expect(at('trap cleanup EXIT')).toBeLessThan(at('setsid sh -c'));
    expect(at('setsid sh -c')).toBeLessThan(at('handle 40: netem'));
    expect(LINES.slice(-3)).toEqual(['sleep 30 &', 'SLEEPER=$!', 'wait "$SLEEPER"']);
  });

  it('refuses a CIDR list it could not put in a filter', () => {
    expect(() => zoneLatencyScript({ cidrs: [], delayMs: 1, lossPercent: 0, seconds: 1 })).toThrow(/no CIDR/);
    expect(() => zoneLatencyScript({ cidrs: ['10.0.0.0/24; reboot'], delayMs: 1, lossPercent: 0, seconds: 1 })).toThrow(
      /not an IPv4 CIDR block: 10.0.0.0\/24; reboot/,
    );
    expect(() => zoneLatencyScript({ cidrs: ['10.0.0.300/24'], delayMs: 1, lossPercent: 0, seconds: 1 })).toThrow(
      /not an IPv4 CIDR/,
    );
  });

  it('shellcheck reports nothing on it', async (ctx) => {
    const shellcheck = await findShellcheck();
    // The unit tier installs nothing: the integration tier's global setup puts shellcheck in the cache.
    if (!shellcheck) ctx.skip();
    const file = join(work, 'zone-latency.sh');
    writeFileSync(file, `${SCRIPT}\n`);
    const findings = await runShellcheck(shellcheck!, [file]);
    expect(findings.map((f) => `${f.line}:${f.column} SC${f.code} (${f.level}) ${f.message}`)).toEqual([]);
  });
});

const REAL_SLEEP = ['/usr/bin/sleep', '/bin/sleep'].find((p) => existsSync(p)) ?? 'sleep';

/**
 * Stand-ins for `ip`, `tc` and `sleep` in a dir put first on PATH: `tc` appends what it is asked
 * to a log and shows `root` as the interface's root qdisc; `sleep 1` (the watchdog's poll) takes
 * 0.1 s, any other sleep (the fault's) `faultSleep` seconds.
 */
function standIns(name: string, root: string, faultSleep: number): { env: NodeJS.ProcessEnv; tc: () => string[] } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'tc.log');
  writeFileSync(log, '');
  const write = (tool: string, body: string): void => {
    writeFileSync(join(dir, tool), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, tool), 0o755);
  };
  write('ip', 'echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.12 metric 512"');
  write('tc', `echo "tc $*" >> '${log}'\nif [ "$1 $2" = "qdisc show" ]; then echo '${root}'; fi`);
  write('sleep', `if [ "$1" = 1 ]; then exec ${REAL_SLEEP} 0.1; fi\nexec ${REAL_SLEEP} ${faultSleep}`);
  return {
    env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    tc: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

/** Run the script under `sh` in a process group of its own (as the SSM agent does). */
function runScript(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const file = join(work, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, `${SCRIPT}\n`);
  const child = spawn('sh', [file], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid) groups.push(child.pid);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  return { child, stderr: () => stderr, exit };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ADDED = [
  'tc qdisc show dev ens5 root',
  'tc qdisc add dev ens5 root handle 1: prio bands 4',
  'tc qdisc add dev ens5 parent 1:4 handle 40: netem limit 100000 delay 50ms loss 1%',
  'tc filter add dev ens5 parent 1: protocol ip prio 1 u32 match ip dst 10.0.1.0/24 flowid 1:4',
  'tc filter add dev ens5 parent 1: protocol ip prio 1 u32 match ip dst 10.0.11.0/24 flowid 1:4',
];
const REMOVED = 'tc qdisc del dev ens5 root handle 1:';

describe('the script under sh, with stand-ins for ip, tc and sleep', () => {
  it('adds the qdisc, sleeps, removes it once at the end (the watchdog leaves it alone)', async () => {
    const { env, tc } = standIns('end', 'qdisc mq 0: root', 0.3);
    const run = runScript(env);
    expect(await run.exit).toBe(0);
    await new Promise((r) => setTimeout(r, 400)); // the watchdog's next poll
    expect(tc()).toEqual([...ADDED, REMOVED]);
  });

  it('refuses when the interface has a root qdisc other than the default, adding nothing', async () => {
    const { env, tc } = standIns(
      'refuse',
      'qdisc prio 1: root refcnt 2 bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1',
      0.3,
    );
    const run = runScript(env);
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(
      /ens5 already has a root qdisc other than the default \(qdisc prio 1: root .*\); refusing/,
    );
    expect(tc()).toEqual(['tc qdisc show dev ens5 root']);
  });

  it('SIGTERM: the trap removes the qdisc', async () => {
    const { env, tc } = standIns('term', 'qdisc fq_codel 0: root refcnt 2 limit 10240p', 30);
    const run = runScript(env);
    await until(() => tc().length === ADDED.length);
    process.kill(run.child.pid!, 'SIGTERM');
    expect(await run.exit).toBe(143);
    expect(tc()).toEqual([...ADDED, REMOVED]);
  });

  it('SIGKILL to the process group (how SSM cancels): the watchdog removes the qdisc within a second', async () => {
    const { env, tc } = standIns('kill', '', 30);
    const run = runScript(env);
    await until(() => tc().length === ADDED.length);
    process.kill(-run.child.pid!, 'SIGKILL');
    expect(await run.exit).toBe(-1);
    await until(() => tc().includes(REMOVED), 3000);
    expect(tc()).toEqual([...ADDED, REMOVED]);
  });
});

describe('zoneLatencyParameters (AWS-RunShellScript)', () => {
  it('commands: the script line by line; executionTimeout: the seconds plus the margin', () => {
    const parameters = zoneLatencyParameters(SCRIPT, 30);
    expect(Object.keys(parameters).sort()).toEqual(['commands', 'executionTimeout']);
    expect(parameters.commands).toEqual(LINES);
    expect(parameters.commands!.join('\n')).toBe(SCRIPT);
    expect(EXECUTION_MARGIN_SECONDS).toBe(60);
    expect(parameters.executionTimeout).toEqual(['90']);
  });
});

type Member = [id: string, instance: string, zone: string, lifecycle: MemberLifecycle];

function state(group: GroupName, members: Member[]): GroupState & { instanceIds: Record<string, string> } {
  return {
    group,
    min: 0,
    max: 9,
    desired: members.length,
    members: members.map(([id, , zone, lifecycle]) => ({ id, zone, lifecycle, address: '10.0.0.1', launchedAt: '' })),
    inServiceByZone: {},
    instanceIds: Object.fromEntries(members.filter(([, i]) => i !== '').map(([id, instance]) => [id, instance])),
  };
}

describe('zoneLatencyInstances', () => {
  const states = [
    state('kafka', [
      ['kafka-1', 'i-0000000000000001a', 'eu-west-1a', 'InService'],
      ['kafka-2', 'i-0000000000000002b', 'eu-west-1b', 'InService'],
      ['kafka-3', 'i-0000000000000003c', 'eu-west-1c', 'InService'],
    ]),
    state('cassandra', [
      ['cassandra-1', 'i-0000000000000004a', 'eu-west-1a', 'InService'],
      ['cassandra-2', 'i-0000000000000005b', 'eu-west-1b', 'Pending'],
      ['cassandra-3', 'i-0000000000000006c', 'eu-west-1c', 'Unhealthy'],
    ]),
    state('producers', [['i-0000000000000007b', 'i-0000000000000007b', 'eu-west-1b', 'InService']]),
    state('consumers', [
      ['i-0000000000000008a', 'i-0000000000000008a', 'eu-west-1a', 'Terminating'],
      ['i-0000000000000009b', 'i-0000000000000009b', 'eu-west-1b', 'InService'],
      ['i-000000000000000ac', '', 'eu-west-1c', 'InService'],
    ]),
  ];

  it('every group, in service only: the zone on one side, every other zone on the other', () => {
    const b = zoneLatencyInstances(states, 'eu-west-1b');
    expect(b.inZone).toEqual([
      { group: 'kafka', memberId: 'kafka-2', instanceId: 'i-0000000000000002b', zone: 'eu-west-1b' },
      { group: 'producers', memberId: 'i-0000000000000007b', instanceId: 'i-0000000000000007b', zone: 'eu-west-1b' },
      { group: 'consumers', memberId: 'i-0000000000000009b', instanceId: 'i-0000000000000009b', zone: 'eu-west-1b' },
    ]);
    expect(b.outside.map((i) => i.memberId)).toEqual(['kafka-1', 'kafka-3', 'cassandra-1']);
    const a = zoneLatencyInstances(states, 'eu-west-1a');
    expect(a.inZone.map((i) => i.memberId)).toEqual(['kafka-1', 'cassandra-1']);
    expect(a.outside.map((i) => i.memberId).sort()).toEqual(
      ['kafka-2', 'kafka-3', 'i-0000000000000007b', 'i-0000000000000009b'].sort(),
    );
  });

  it('says so when a side has nobody in service, naming the members there', () => {
    const frozen = [
      state('kafka', [
        ['kafka-1', 'i-0000000000000001a', 'eu-west-1a', 'InService'],
        ['kafka-2', 'i-0000000000000002b', 'eu-west-1b', 'Frozen'],
      ]),
    ];
    expect(() => zoneLatencyInstances(frozen, 'eu-west-1b')).toThrow(
      /^zoneLatency eu-west-1b: no instance in service in eu-west-1b to delay \(members there: kafka-2 Frozen\)$/,
    );
    expect(() => zoneLatencyInstances(frozen.slice(0, 1), 'eu-west-1a')).toThrow(
      /no instance in service in the other zones to delay \(members there: kafka-2 Frozen\)/,
    );
  });
});

describe('zoneCidrs', () => {
  it("each zone's subnet CIDR blocks, in the order of its subnet ids", () => {
    expect(
      zoneCidrs({ 'eu-west-1a': ['subnet-p1', 'subnet-u1'], 'eu-west-1b': ['subnet-p2'] }, [
        { SubnetId: 'subnet-u1', CidrBlock: '10.0.0.0/24' },
        { SubnetId: 'subnet-p1', CidrBlock: '10.0.10.0/24' },
        { SubnetId: 'subnet-p2', CidrBlock: '10.0.11.0/24' },
      ]),
    ).toEqual({ 'eu-west-1a': ['10.0.10.0/24', '10.0.0.0/24'], 'eu-west-1b': ['10.0.11.0/24'] });
  });
  it('names a subnet DescribeSubnets did not describe', () => {
    expect(() =>
      zoneCidrs({ 'eu-west-1a': ['subnet-p1', 'subnet-x'] }, [{ SubnetId: 'subnet-p1', CidrBlock: '10.0.10.0/24' }]),
    ).toThrow(/no IPv4 CIDR block for subnet-x \(zone eu-west-1a\)/);
  });
});

describe('messages', () => {
  it('the journal method counts the instances of every command', () => {
    const run = {
      commands: [{ instances: [{}, {}] }, { instances: [{}, {}, {}] }],
    } as unknown as ZoneLatencyRun;
    expect(zoneLatencyMethod(run)).toBe('tc netem via SSM Run Command (AWS-RunShellScript) on 5 instances');
  });
  it('a refused SendCommand says zoneLatency and AWS-RunShellScript', () => {
    const error = new InvalidInstanceId({
      $metadata: {},
      message: 'Instances [[i-0123456789abcdef0]] not in a valid state',
    });
    const explained = explainSendCommandError(error, ['i-0123456789abcdef0'], {
      action: 'zoneLatency',
      documentName: 'AWS-RunShellScript',
    });
    expect(explained.message).toMatch(/^zoneLatency: instance i-0123456789abcdef0 is not managed by SSM: /);
    expect(
      explainSendCommandError(new Error('boom'), ['i-1'], { action: 'zoneLatency', documentName: 'AWS-RunShellScript' })
        .message,
    ).toBe('zoneLatency: SendCommand AWS-RunShellScript failed (Error: boom)');
  });
});
