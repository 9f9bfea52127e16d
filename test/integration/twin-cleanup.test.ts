/**
 * Cleanup guarantees of the local twin, checked by run tag: after `local down`, after a test
 * that throws, and after the daemon itself is SIGKILLed (then `nuke` removes the rest, the zone's
 * network namespace and links included). Uses a small one-zone twin (2 brokers, 1 Cassandra
 * node, moto) to keep boots short.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { validateSpec, withDefaults, type PipelineSpec, type PipelineSpecInput } from '../../src/spec/index.ts';
import { nuke } from '../../src/twin/nuke.ts';
import { REPO_ROOT, runDir } from '../../src/support/paths.ts';
import { findTaggedProcesses, stillSameTagged } from '../../src/support/process.ts';
import { readRunInfo } from '../../src/twin/run-files.ts';
import { leftoversOf, startTwin, stopTwin, withTwin } from '../../src/twin/run.ts';
import { bridgeName, detectTwinNetwork, namespaceName, runNetworkParts } from '../../src/twin/network.ts';

const exec = promisify(execFile);
const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const input: PipelineSpecInput = {
  name: 'twin-cleanup',
  zones: ['eu-west-1a'],
  multiAz: false,
  tolerateZoneLoss: false,
  network: { publicSubnetCidrs: ['10.40.0.0/24'], privateSubnetCidrs: ['10.40.10.0/24'] },
  kafka: { brokers: 2, replicationFactor: 2, minInSyncReplicas: 1, partitions: 2 },
  cassandra: { nodes: 1, replicationFactor: 1, consistency: 'ONE' },
  producers: { min: 0, desired: 0 },
  consumers: { min: 0, desired: 0, max: 2 },
};
const spec: PipelineSpec = validateSpec(withDefaults(input));
const NETWORK = detectTwinNetwork();
/** The zone's net and the net S3 is on: 127.0.1 on loopback; the slot's 198.18 nets with namespaces. */
const ZONE_NET = NETWORK === 'namespaces' ? `198.18.${SLOT * 32 + 1}` : '127.0.1';
const S3_NET = NETWORK === 'namespaces' ? `198.18.${SLOT * 32}` : '127.0.1';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * No tagged process, listener or run dir of `runId`. A SIGKILLed JVM stops showing as a tagged
 * process (its /proc environ goes) a moment before the kernel has torn down its sockets, so
 * listeners get up to 10 s to close; one that stays is a leak and fails the test.
 */
async function expectNothingLeft(runId: string): Promise<void> {
  expect(findTaggedProcesses(runId)).toEqual([]);
  const info = { runId, slot: SLOT, network: NETWORK, createdAt: '', spec };
  const deadline = Date.now() + 10_000;
  while (leftoversOf(runId, info).length > 0 && Date.now() < deadline) await sleep(200);
  expect(leftoversOf(runId, info)).toEqual([]);
  expect(existsSync(runDir(runId))).toBe(false);
}

describe('twin cleanup', () => {
  it('`local up --json` prints the endpoints, `local status` shows the twin, `local down` leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-cleanup-'));
    const runId = `tt-cli-${process.pid}`;
    try {
      const specFile = join(dir, 'spec.json');
      writeFileSync(specFile, JSON.stringify(input));
      const cli = (args: string[]) =>
        exec(process.execPath, [join(REPO_ROOT, 'bin', 'terratower.mjs'), ...args], {
          cwd: REPO_ROOT,
          maxBuffer: 16 << 20,
        });
      const up = await cli(['local', 'up', '--spec', specFile, '--slot', String(SLOT), '--run-id', runId, '--json']);
      const out = JSON.parse(up.stdout) as Record<string, unknown>;
      expect(out.runId).toBe(runId);
      expect(out.bucket).toBe(spec.dataset.bucket);
      expect(out.kafkaBootstrap).toEqual([`${ZONE_NET}.${SLOT * 30 + 2}:9092`, `${ZONE_NET}.${SLOT * 30 + 3}:9092`]);
      expect(out.cassandraContactPoints).toEqual([`${ZONE_NET}.${SLOT * 30 + 6}:9042`]);
      expect(out.s3Endpoint).toBe(`http://${S3_NET}.${SLOT * 30 + 1}:5000`);
      expect(Object.keys(out.groups as object).sort()).toEqual(['cassandra', 'consumers', 'kafka', 'producers']);
      expect(typeof out.controlUrl).toBe('string');

      const status = await cli(['local', 'status', '--run-id', runId]);
      expect(status.stdout).toMatch(/ready/);
      expect(status.stdout).toContain(`${NETWORK} network`);
      expect(status.stdout).toMatch(/kafka-1 .*InService/);
      expect(status.stdout).toMatch(/cassandra-1 .*InService/);
      expect(findTaggedProcesses(runId).length).toBeGreaterThanOrEqual(5);

      const down = await cli(['local', 'down', '--run-id', runId]);
      expect(down.stdout).toMatch(/nothing left/);
      await expectNothingLeft(runId);
    } finally {
      await stopTwin(runId).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a test that throws still leaves no process, port or data dir', async () => {
    let runId = '';
    await expect(
      withTwin({ spec, slot: SLOT, ownerPid: process.pid }, async (twin) => {
        runId = twin.runId;
        expect(findTaggedProcesses(runId).length).toBeGreaterThanOrEqual(5);
        throw new Error('scenario blew up');
      }),
    ).rejects.toThrow('scenario blew up');
    expect(runId).not.toBe('');
    await expectNothingLeft(runId);
  });

  it('members do not outlive a SIGKILLed daemon, and nuke removes what is left', async () => {
    const twin = await startTwin({ spec, slot: SLOT });
    try {
      const daemon = readRunInfo(twin.runId)!.daemon!;
      const members = findTaggedProcesses(twin.runId).filter((p) => p.pid !== daemon.pid);
      expect(members.length).toBeGreaterThanOrEqual(4);
      process.kill(daemon.pid, 'SIGKILL');
      // The watchdog in the daemon's process group kills the group within about a second.
      const deadline = Date.now() + 15_000;
      while (findTaggedProcesses(twin.runId).length > 0 && Date.now() < deadline) await sleep(200);
      expect(findTaggedProcesses(twin.runId)).toEqual([]);
      // Each member process is gone (compared by pid and start time: a pid alone may be reused).
      for (const m of members) expect(stillSameTagged(m)).toBe(false);
      // The run dir is a leftover now: nuke finds it by run and removes it.
      expect(existsSync(twin.runDir)).toBe(true);
      // So are the zone's namespace and the slot's links: nothing removes them but nuke.
      const ns = namespaceName(twin.runId, 0);
      if (NETWORK === 'namespaces')
        expect(runNetworkParts(twin.runId)).toEqual({ namespaces: [ns], links: [bridgeName(SLOT), `tt${SLOT}z0`] });
      const report = await nuke();
      const removed = report.flatMap((e) => e.removed);
      expect(removed).toContain(`removed ${twin.runDir}`);
      if (NETWORK === 'namespaces') {
        expect(removed).toContain(`removed network namespace ${ns} of run ${twin.runId}`);
        expect(removed).toContain(`removed link ${bridgeName(SLOT)} of run ${twin.runId}`);
      }
      expect(report.every((e) => e.error === undefined)).toBe(true);
      await expectNothingLeft(twin.runId);
    } finally {
      await stopTwin(twin.runId).catch(() => undefined);
    }
  });
});
