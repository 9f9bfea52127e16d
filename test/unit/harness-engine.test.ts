/**
 * The engine's control flow, on the live simulated target (test/support/simulated-target.ts: our
 * own `Target` interface, no Kafka/Cassandra/AWS involved): journal order, rollbacks that always run, stop conditions,
 * seeded repeats, recovery figures and the report files. Windows are fractions of a second.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { methodProblem, runScenario } from '../../src/harness/engine/run.ts';
import type { Scenario } from '../../src/harness/engine/types.ts';
import { SCENARIOS } from '../../src/harness/scenarios/index.ts';
import { SimulatedTarget } from '../support/simulated-target.ts';

const base = (over: Partial<Scenario>): Scenario => ({
  name: 'sim',
  description: 'simulated',
  baselineLoad: 2000,
  warmupSeconds: 0.1,
  sampleIntervalMs: 100,
  hypothesisConsecutive: 2,
  hypothesisBeforeWithinSeconds: 2,
  hypothesisAfterWithinSeconds: 2,
  hypothesis: [{ kind: 'lag', max: 100 }, { kind: 'atDesired' }],
  method: [],
  drain: { timeoutSeconds: 3, stallSeconds: 2, quietSeconds: 0.3 },
  ...over,
});

const dirs: string[] = [];
async function out(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tt-engine-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('runScenario on a simulated target', () => {
  it('runs hypothesis → method → hypothesis → rollbacks, journals each step and writes the report', async () => {
    const target = new SimulatedTarget();
    const dir = await out();
    const ids = join(dir, 'valid-ids.txt');
    await (await import('node:fs/promises')).writeFile(
      ids,
      Array.from({ length: 500 }, (_, i) => `id-${i}`).join('\n'),
    );
    const result = await runScenario(
      base({
        method: [
          { kind: 'kill', group: 'kafka', count: 1 },
          { kind: 'expect', probe: { kind: 'atDesired', groups: ['kafka'] }, withinSeconds: 2, consecutive: 2 },
          { kind: 'zoneOutage', zone: 1, mode: 'disrupt', pauseAfter: 0.3 },
          { kind: 'zoneRestore', zone: 1 },
          { kind: 'setLoad', multiplier: 2 },
        ],
        rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
      }),
      { target, out: dir, dataset: { validIdsFile: ids, malformed: 0 } },
    );
    const j = result.journal;
    expect(j.status).toBe('completed');
    expect(j.steadyStates.before?.holds).toBe(true);
    expect(j.steadyStates.after?.holds).toBe(true);
    expect(j.run.map((r) => [r.name, r.status])).toEqual([
      ['baseline load 2000/s', 'succeeded'],
      ['kill 1 of kafka', 'succeeded'],
      ['expect kafka at desired capacity within 2s', 'succeeded'],
      ['zone z-b out (disrupt)', 'succeeded'],
      ['zone z-b back', 'succeeded'],
      ['set load ×2', 'succeeded'],
    ]);
    for (const r of j.run) expect(r.t1).toBeGreaterThanOrEqual(r.t0);
    for (let i = 1; i < j.run.length; i++) expect(j.run[i]!.t0).toBeGreaterThanOrEqual(j.run[i - 1]!.t1);
    expect(j.rollbacks.map((r) => r.name)).toEqual(['set load ×1']);
    expect(result.hypothesisHeld).toBe(true);
    expect(target.calls).toContain('outage z-b disrupt');
    expect(target.calls.at(-2)).toBe('load 2000'); // rollback, then the drain raises it
    // The kill, the replacement and the zone outage are on the timeline; recovery figures follow.
    const kill = result.recovery.faults.find((f) => f.fault.startsWith('kill kafka'))!;
    expect(kill.detectSeconds).not.toBeNull();
    expect(kill.detectSeconds!).toBeGreaterThanOrEqual(0.1);
    expect(result.events.some((e) => e.kind === 'scaling' && e.group === 'kafka')).toBe(true);
    const zone = result.recovery.faults.find((f) => f.zone === 'z-b')!;
    expect(zone.impact).toBe(true);
    expect(zone.recoverSeconds).not.toBeNull();
    // The ledger saw every record, and the run passes.
    expect(result.drained).toBe(true);
    expect(result.ledger).toMatchObject({ source: 500, lost: 0, duplicated: 0, unexpected: 0, exact: true });
    expect(result.passed).toBe(true);
    // Samples at ≤ 1 s resolution.
    expect(result.series.length).toBeGreaterThan(5);
    for (let i = 1; i < result.series.length; i++)
      expect(result.series[i]!.t - result.series[i - 1]!.t).toBeLessThanOrEqual(1);
    const report = JSON.parse(await readFile(result.reportJson, 'utf8'));
    expect(report.journal.run).toHaveLength(6);
    expect(report.ledger.exact).toBe(true);
    expect(await readFile(result.reportHtml, 'utf8')).toContain('<svg');
  });

  it('a failed expectation fails the hypothesis; the method goes on; a zone left out is restored', async () => {
    const target = new SimulatedTarget();
    const result = await runScenario(
      base({
        method: [
          { kind: 'zoneOutage', zone: 'z-c', mode: 'disrupt' },
          { kind: 'expect', probe: { kind: 'lag', max: 100 }, withinSeconds: 0.4 },
          { kind: 'wait', seconds: 0.1 },
        ],
      }),
      { target, out: await out() },
    );
    expect(result.journal.run.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
    expect(result.journal.run[2]!.error).toMatch(/lag ≤ 100 records did not hold within 0.4s \(last: 5000\)/);
    expect(result.journal.rollbacks.map((r) => [r.name, r.status])).toEqual([['zone z-c back (safety)', 'succeeded']]);
    expect(target.calls).toContain('restore z-c');
    expect(result.hypothesisHeld).toBe(false);
    expect(result.passed).toBe(false);
    expect(result.ledger).toBeNull();
  });

  it('a latency step asks the target for it with its figures, marks the fault, and is rolled back like a zone taken out', async () => {
    const target = new SimulatedTarget();
    const result = await runScenario(
      base({
        method: [
          { kind: 'latency', zone: 1, delayMs: 80, lossPercent: 2, seconds: 30 },
          { kind: 'latency', zone: 'z-c', delayMs: -1, seconds: 30 },
          { kind: 'wait', seconds: 0.1 },
        ],
      }),
      { target, out: await out() },
    );
    expect(result.journal.run.map((r) => [r.name, r.status])).toEqual([
      ['baseline load 2000/s', 'succeeded'],
      ['zone z-b +80 ms, 2 % loss for 30 s to the other zones', 'succeeded'],
      ['zone z-c delay -1 ms, 0 % loss for 30 s to the other zones', 'failed'],
      ['wait 0.1s', 'succeeded'],
    ]);
    // Bad figures fail the step in one line, before the target is asked.
    expect(result.journal.run[2]!.error).toBe('latency delayMs -1: use 0 to 60000 (milliseconds, one way)');
    expect(target.calls.filter((c) => c.startsWith('latency'))).toEqual(['latency z-b 80ms 2% 30s']);
    expect(result.events.find((e) => e.kind === 'fault')).toMatchObject({
      zone: 'z-b',
      label: 'zone z-b +80 ms, 2 % loss for 30 s to the other zones (simulated)',
    });
    // Still in force after the method: the safety rollback ends it.
    expect(result.journal.rollbacks.map((r) => r.name)).toEqual(['zone z-b back (safety)']);
    expect(target.latencyZones()).toEqual([]);
  });

  it("the target's own record of a fault is a note on the timeline, never the platform's reaction (time to detect)", async () => {
    const target = new SimulatedTarget();
    const outage = target.zoneOutage.bind(target);
    // As the twin does: it journals its faults beside the scaling activities, marked as faults.
    // This one comes after the fault event, where a reaction would (as "fault ended" does).
    target.zoneOutage = async (zone, mode) => {
      const how = await outage(zone, mode);
      setTimeout(() => {
        const time = new Date().toISOString();
        target.activities.push({
          time,
          group: 'kafka',
          cause: `fault: zone ${zone} cut off`,
          from: 3,
          to: 3,
          fault: true,
        });
      }, 200);
      return how;
    };
    const result = await runScenario(
      base({
        method: [
          { kind: 'zoneOutage', zone: 1, mode: 'disrupt' },
          { kind: 'wait', seconds: 1.5 },
        ],
      }),
      { target, out: await out() },
    );
    expect(result.recovery.faults[0]).toMatchObject({ zone: 'z-b', detectSeconds: null });
    const records = result.events.filter((e) => e.label === 'kafka: fault: zone z-b cut off');
    expect(records.map((e) => e.kind)).toEqual(['note']);
  });

  it('a stop condition stops the method, skips the rest and still rolls back', async () => {
    const target = new SimulatedTarget();
    const result = await runScenario(
      base({
        method: [
          { kind: 'zoneOutage', zone: 0, mode: 'disrupt' },
          { kind: 'wait', seconds: 3 },
          { kind: 'kill', group: 'kafka', count: 1 },
        ],
        stopConditions: { probes: [{ kind: 'lag', max: 1000 }], consecutive: 2 },
        rollbacks: [{ kind: 'zoneRestore', zone: 0 }],
      }),
      { target, out: await out() },
    );
    expect(result.journal.status).toBe('aborted');
    expect(result.journal.stopReason).toMatch(/stop condition: lag ≤ 1000 records \(5000\)/);
    expect(result.journal.run.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped']);
    expect(result.journal.rollbacks.map((r) => r.name)).toEqual(['zone z-a back']);
    expect(target.killed).toEqual([]);
    expect(result.events.some((e) => e.kind === 'stop')).toBe(true);
    expect(result.hypothesisHeld).toBe(false);
  });

  it('the drain ends 5 s after lag 0 once the producers report every object produced and the lag is read fresh, and waits its full quiet otherwise', async () => {
    const drainLine = async (
      reportsDatasetProduced: boolean,
      quietSeconds: number,
      staleLag = false,
    ): Promise<string> => {
      const lines: string[] = [];
      const dir = await out();
      const ids = join(dir, 'valid-ids.txt');
      await writeFile(ids, Array.from({ length: 500 }, (_, i) => `id-${i}`).join('\n'));
      const result = await runScenario(base({ drain: { timeoutSeconds: 30, stallSeconds: 20, quietSeconds } }), {
        target: new SimulatedTarget({ reportsDatasetProduced, staleLag }),
        out: dir,
        dataset: { validIdsFile: ids, malformed: 0 },
        log: (line) => lines.push(line),
      });
      expect(result.drained, lines.join('\n')).toBe(true);
      expect(result.ledger?.exact).toBe(true);
      return lines.find((l) => l.includes('drained after')) ?? '';
    };
    // Quiet asked for 60 s: the whole dataset produced ends it after 5 quiet seconds.
    const produced = await drainLine(true, 60);
    expect(produced).toMatch(/every object produced, lag 0 read fresh/);
    expect(Number(/after ([\d.]+)s/.exec(produced)?.[1])).toBeLessThan(12);
    // Without the figure, or with a lag that is the previous read's, the quiet asked for (5.2 s,
    // more than the 5 s) is waited in full.
    expect(await drainLine(false, 5.2)).toMatch(/drained after [\d.]+s \(quiet for 5.2s\)/);
    expect(await drainLine(true, 5.2, true)).toMatch(/drained after [\d.]+s \(quiet for 5.2s\)/);
  });

  it('a required change may be seen from the end of an earlier step (changeSince), and only from there', async () => {
    const target = new SimulatedTarget();
    const desired = (probe: { min?: number; max?: number }) => ({
      kind: 'desired' as const,
      group: 'consumers' as const,
      ...probe,
    });
    const result = await runScenario(
      base({
        hypothesis: [{ kind: 'lag', max: 100 }],
        method: [
          { kind: 'setDesired', group: 'consumers', desired: 3 },
          { kind: 'expect', probe: desired({ min: 3 }), requireChange: true, withinSeconds: 2, label: 'out' },
          // Observations with desired 3 come after 'out' ends: the change to 2 is after it.
          { kind: 'setDesired', group: 'consumers', desired: 2, pauseBefore: 0.3, pauseAfter: 0.3 },
          {
            kind: 'expect',
            probe: desired({ max: 2 }),
            requireChange: true,
            changeSince: 'out',
            withinSeconds: 1,
            label: 'in, since out',
          },
          {
            kind: 'expect',
            probe: desired({ max: 2 }),
            requireChange: true,
            withinSeconds: 0.6,
            label: 'in, from its start',
          },
          // Desired was ≤ 2 all along after the step 'in, since out': no change to see.
          {
            kind: 'expect',
            probe: desired({ max: 2 }),
            requireChange: true,
            changeSince: 'in, since out',
            withinSeconds: 0.6,
            label: 'in, since in',
          },
        ],
      }),
      { target, out: await out() },
    );
    const step = (label: string) => result.journal.run.find((r) => r.name === label)!;
    expect(step('in, since out').status).toBe('succeeded');
    expect(step('in, since out').heldAtStart).toBe(true);
    expect(step('in, since out').output).toMatch(
      /already held before the step started, and the change was seen after "out" ended/,
    );
    expect(step('in, from its start').status).toBe('failed');
    expect(step('in, from its start').error).toMatch(/so a change was waited for/);
    expect(step('in, since in').status).toBe('failed');
    expect(step('in, since in').error).toMatch(/had not changed since "in, since out" ended/);
  });

  it('a changeSince that names no earlier step fails the run before it touches the target', async () => {
    const target = new SimulatedTarget();
    const scenario = base({
      method: [
        {
          kind: 'expect',
          probe: { kind: 'lag', max: 100 },
          requireChange: true,
          changeSince: 'later',
          withinSeconds: 1,
        },
        { kind: 'wait', seconds: 0.1, label: 'later' },
      ],
    });
    await expect(runScenario(scenario, { target, out: await out() })).rejects.toThrow(
      /^scenario sim: step 1 \(.*\) has changeSince "later", which is no earlier step's label: use the label of a step before it$/,
    );
    expect(target.calls).toEqual([]);
    const noRequire = base({
      method: [
        { kind: 'wait', seconds: 0.1, label: 'first' },
        { kind: 'expect', probe: { kind: 'lag', max: 100 }, changeSince: 'first', withinSeconds: 1 },
      ],
    });
    await expect(runScenario(noRequire, { target, out: await out() })).rejects.toThrow(/add requireChange: true/);
  });

  it('every shipped scenario passes the method check', () => {
    for (const scenario of SCENARIOS) expect(methodProblem(scenario, ['a', 'b', 'c']), scenario.name).toBeUndefined();
  });

  it('a fault is stamped when it was issued: a replacement that comes before the kill call returns is still its detection', async () => {
    // The twin replaces a killed consumer within 0.2 s, sometimes before its answer to the kill
    // is back; the fault stamped after the call then came after its own reaction.
    class SlowToAnswer extends SimulatedTarget {
      override async killMembers(...args: Parameters<SimulatedTarget['killMembers']>): Promise<string[]> {
        const killed = await super.killMembers(...args);
        await new Promise((r) => setTimeout(r, 400));
        return killed;
      }
    }
    const target = new SlowToAnswer({ replaceMs: 50 });
    const result = await runScenario(
      base({
        method: [
          { kind: 'kill', group: 'consumers', count: 1 },
          { kind: 'expect', probe: { kind: 'atDesired', groups: ['consumers'] }, withinSeconds: 2, consecutive: 2 },
        ],
      }),
      { target, out: await out() },
    );
    const kill = result.recovery.faults.find((f) => f.fault.startsWith('kill consumers'))!;
    expect(kill.detectSeconds).not.toBeNull();
    expect(kill.detectSeconds!).toBeLessThan(0.4);
  });

  it('no method when the hypothesis does not hold before', async () => {
    const target = new SimulatedTarget();
    await target.zoneOutage('z-a', 'disrupt');
    const result = await runScenario(
      base({ method: [{ kind: 'kill', group: 'kafka', count: 1 }], hypothesisBeforeWithinSeconds: 0.5 }),
      { target, out: await out() },
    );
    expect(result.journal.status).toBe('failed');
    expect(result.journal.steadyStates.before?.holds).toBe(false);
    expect(result.journal.run.at(-1)?.status).toBe('skipped');
    expect(target.killed).toEqual([]);
  });

  it('an interrupt stops the method; rollbacks still run', async () => {
    const target = new SimulatedTarget();
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGINT'), 600);
    const result = await runScenario(
      base({
        method: [
          { kind: 'setLoad', multiplier: 5 },
          { kind: 'wait', seconds: 5 },
          { kind: 'kill', group: 'kafka', count: 1 },
        ],
        rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
      }),
      { target, out: await out(), signal: abort.signal },
    );
    expect(result.journal.status).toBe('interrupted');
    expect(result.journal.run.at(-1)?.status).toBe('skipped');
    expect(target.calls.at(-1)).toBe('load 2000');
    expect(result.wallSeconds).toBeLessThan(4);
  });

  it('a sink that cannot be read leaves no ledger, says why, and the report is still written', async () => {
    const target = new SimulatedTarget();
    // biome-ignore lint/correctness/useYield: a sink that fails before its first row
    target.readSinkIds = async function* (): AsyncIterable<string> {
      throw new Error('Server failure during read query at consistency LOCAL_QUORUM');
    };
    const dir = await out();
    const ids = join(dir, 'valid-ids.txt');
    await (await import('node:fs/promises')).writeFile(ids, 'id-0\n');
    const result = await runScenario(base({}), { target, out: dir, dataset: { validIdsFile: ids, malformed: 0 } });
    expect(result.ledger).toBeNull();
    expect(result.ledgerError).toMatch(/Server failure/);
    expect(result.passed).toBe(false);
    expect(await readFile(result.reportHtml, 'utf8')).toContain('No ledger: Server failure');
  });

  it('random termination with the same seed kills the same members at the same offsets', async () => {
    const scenario = base({
      hypothesis: [{ kind: 'lag', max: 100 }],
      method: [
        {
          kind: 'randomTermination',
          group: 'consumers',
          meanIntervalSeconds: 0.15,
          windowSeconds: 0.9,
          keepAtLeast: 1,
        },
      ],
      seed: 11,
    });
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const target = new SimulatedTarget({ replaceMs: 5000, sizes: { consumers: 6 } });
      const result = await runScenario(scenario, { target, out: await out() });
      runs.push({ killed: target.killed, output: result.journal.run[1]!.output });
    }
    expect(runs[0]!.killed.length).toBeGreaterThan(0);
    expect(runs[0]).toEqual(runs[1]);
    const other = new SimulatedTarget({ replaceMs: 5000, sizes: { consumers: 6 } });
    await runScenario({ ...scenario, seed: 12 }, { target: other, out: await out() });
    expect(other.killed).not.toEqual(runs[0]!.killed);
  });
});
