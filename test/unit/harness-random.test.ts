import { describe, expect, it } from 'vitest';
import { pickDistinct, seededRandom, streamFor, terminationSchedule } from '../../src/harness/engine/random.ts';
import { percentToCount, selectMembers } from '../../src/harness/select.ts';
import type { GroupState, MemberState } from '../../src/model/target.ts';

describe('seeded random termination schedule', () => {
  it('repeats exactly for the same seed and differs for another', () => {
    const a = terminationSchedule(seededRandom(42), 10, 120);
    const b = terminationSchedule(seededRandom(42), 10, 120);
    const c = terminationSchedule(seededRandom(43), 10, 120);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.length).toBeGreaterThan(0);
  });

  it('stays inside the window, in increasing order', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = terminationSchedule(seededRandom(seed), 7, 60);
      for (let i = 0; i < s.length; i++) {
        expect(s[i]).toBeGreaterThan(0);
        expect(s[i]).toBeLessThan(60);
        if (i > 0) expect(s[i]!).toBeGreaterThanOrEqual(s[i - 1]!);
      }
    }
  });

  it('has the asked mean interval (Poisson process: window/mean kills on average)', () => {
    let kills = 0;
    const runs = 400;
    for (let seed = 1; seed <= runs; seed++) kills += terminationSchedule(seededRandom(seed), 10, 200).length;
    // Expected 20 per run; the average over 400 runs is within a few percent.
    expect(kills / runs).toBeGreaterThan(18.5);
    expect(kills / runs).toBeLessThan(21.5);
  });

  it('rejects a non-positive mean interval', () => {
    expect(() => terminationSchedule(seededRandom(1), 0, 10)).toThrow(/meanIntervalSeconds/);
  });

  it('gives each step its own stream', () => {
    const first = streamFor(7, 0)();
    const second = streamFor(7, 1)();
    expect(first).not.toBe(second);
    expect(streamFor(7, 1)()).toBe(second);
  });
});

function member(id: string, zone: string, lifecycle: MemberState['lifecycle'] = 'InService'): MemberState {
  return { id, zone, lifecycle, address: '127.0.0.1', launchedAt: '2026-01-01T00:00:00Z' };
}

const state: GroupState = {
  group: 'consumers',
  min: 1,
  max: 6,
  desired: 5,
  members: [
    member('consumers-1', 'a'),
    member('consumers-2', 'b'),
    member('consumers-3', 'c'),
    member('consumers-4', 'a'),
    member('consumers-5', 'b', 'Pending'),
  ],
  inServiceByZone: { a: 2, b: 1, c: 1 },
};

describe('member selection', () => {
  it('percent rounds up, at least one, at most all in service', () => {
    expect(percentToCount(50, 4)).toBe(2);
    expect(percentToCount(10, 4)).toBe(1);
    expect(percentToCount(60, 3)).toBe(2);
    expect(percentToCount(100, 4)).toBe(4);
    expect(percentToCount(0, 4)).toBe(0);
  });

  it('count and percent pick only members in service; seeded picks repeat', () => {
    const pick = (seed: number) => selectMembers(state, { percent: 50 }, seededRandom(seed)).map((m) => m.id);
    expect(pick(3)).toEqual(pick(3));
    expect(pick(3)).toHaveLength(2);
    expect(pick(3)).not.toContain('consumers-5');
    expect(selectMembers(state, { count: 10 }).map((m) => m.id)).toEqual([
      'consumers-1',
      'consumers-2',
      'consumers-3',
      'consumers-4',
    ]);
  });

  it('zone takes every member there; ids must exist', () => {
    expect(selectMembers(state, { zone: 'b' }).map((m) => m.id)).toEqual(['consumers-2', 'consumers-5']);
    expect(() => selectMembers(state, { ids: ['consumers-9'] })).toThrow(/no member/);
  });

  it('pickDistinct never repeats an item and does not depend on input order', () => {
    const items = ['e', 'd', 'c', 'b', 'a'];
    const one = pickDistinct(seededRandom(9), items, 3, (x) => x);
    const two = pickDistinct(seededRandom(9), [...items].reverse(), 3, (x) => x);
    expect(new Set(one).size).toBe(3);
    expect(one).toEqual(two);
  });
});
