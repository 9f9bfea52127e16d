/**
 * zone-outage on the local twin, end to end: the twin is deployed through terraform (its stack's
 * provisioners run `terratower local up/down`), the scenario's dataset is generated and loaded,
 * the scenario runs against real Kafka, Cassandra, moto and the apps, and the twin is destroyed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShipped, scenarioSpec, zoneOutage } from '../../src/harness/scenarios/index.ts';
import type { ScenarioResult } from '../../src/harness/scenario/run.ts';
import { LocalTarget } from '../../src/harness/targets/local.ts';
import { defaultSpec } from '../../src/spec/index.ts';

const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const spec = scenarioSpec(defaultSpec(), zoneOutage);
let target: LocalTarget;
let workDir = '';
let result: ScenarioResult;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tt-zone-outage-'));
  target = new LocalTarget({ spec, slot: SLOT, terraform: { echo: false }, log: (l) => process.stderr.write(`[zone-outage] ${l}\n`) });
  await target.deploy();
  result = await runShipped(zoneOutage, { target, spec, out: join(workDir, 'report'), workDir, log: (l) => process.stderr.write(`[zone-outage] ${l}\n`) });
  process.stderr.write(`[zone-outage] report: ${result.reportHtml} (kept in ${workDir} only while the test runs)\n`);
}, 25 * 60_000); // boot (minutes on a loaded 2-core machine) + the scenario + drain + ledger

afterAll(async () => {
  await target?.teardown();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('zone-outage on the local twin', () => {
  it('holds the steady-state hypothesis before and after, and meets every expectation', () => {
    const failed = result.journal.run.filter((r) => r.status !== 'succeeded').map((r) => `${r.name}: ${r.error ?? r.status}`);
    expect(failed).toEqual([]);
    expect(result.journal.steadyStates.before?.holds).toBe(true);
    expect(result.journal.steadyStates.after?.holds).toBe(true);
    expect(result.hypothesisHeld).toBe(true);
  });

  it('loses, duplicates and invents nothing; dead-letters exactly the malformed rows', () => {
    const l = result.ledger!;
    expect(result.drained).toBe(true);
    expect({ lost: l.lost, duplicated: l.duplicated, unexpected: l.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(l.deadLettered).toBe(l.expectedDeadLettered);
    expect(l.delivered).toBe(l.source);
    expect(l.exact).toBe(true);
  });

  it('takes the zone out and back, and the groups end at desired capacity in every zone', () => {
    const zone = spec.zones[1]!;
    expect(result.events.some((e) => e.kind === 'fault' && e.zone === zone)).toBe(true);
    expect(result.events.some((e) => e.kind === 'restore' && e.zone === zone)).toBe(true);
    const last = result.series.at(-1)!;
    for (const g of ['kafka', 'cassandra'] as const) expect(last.groups[g]!.byZone[zone]).toBeGreaterThan(0);
    const fault = result.recovery.faults.find((f) => f.zone === zone)!;
    expect(fault.recoverSeconds).not.toBeNull();
    process.stderr.write(`[zone-outage] detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s\n`);
  });

  it('samples at ≤ 1 s resolution and writes the report', () => {
    expect(result.series.length).toBeGreaterThan(30);
    const gaps = result.series.slice(1).map((p, i) => p.t - result.series[i]!.t);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2);
    expect(result.reportHtml).toMatch(/report\.html$/);
  });
});
