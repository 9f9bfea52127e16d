import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/index.ts';
import {
  addressPlanProblems,
  cassandraContactPoints,
  freeAppOrdinal,
  memberAddress,
  kafkaBootstrap,
  s3Address,
  statefulAddress,
} from '../../src/spec/addresses.ts';
import { zoneIndexOf } from '../../src/spec/derive.ts';

describe('address plan', () => {
  it('puts zone i on 127.0.(i+1).0/24 with slot*30 + role offset + ordinal', () => {
    expect(memberAddress(0, 0, 'kafka', 0)).toBe('127.0.1.2');
    expect(memberAddress(2, 0, 'cassandra', 1)).toBe('127.0.3.7');
    expect(memberAddress(1, 1, 'producers', 3)).toBe('127.0.2.43');
    expect(memberAddress(0, 7, 'consumers', 9)).toBe('127.0.1.239');
    expect(s3Address(0)).toBe('127.0.1.1');
    expect(s3Address(2)).toBe('127.0.1.61');
  });

  it('puts namespace zones on 198.18.(slot*32 + i + 1).0/24 and S3 on the region net outside every zone', () => {
    expect(memberAddress(0, 0, 'kafka', 0, 'namespaces')).toBe('198.18.1.2');
    expect(memberAddress(2, 1, 'cassandra', 1, 'namespaces')).toBe('198.18.35.37');
    expect(memberAddress(30, 7, 'consumers', 9, 'namespaces')).toBe('198.18.255.239');
    expect(s3Address(0, 'namespaces')).toBe('198.18.0.1');
    expect(s3Address(2, 'namespaces')).toBe('198.18.64.61');
    expect(kafkaBootstrap(defaultSpec(), 0, 'namespaces')).toEqual([
      '198.18.1.2:9092',
      '198.18.2.2:9092',
      '198.18.3.2:9092',
    ]);
    // Every slot's nets stay inside its own /19, so slots never share a route.
    for (let slot = 0; slot <= 7; slot += 1) {
      const third = (a: string): number => Number(a.split('.')[2]);
      const zone30 = third(memberAddress(30, slot, 'kafka', 0, 'namespaces'));
      expect(Math.floor(third(s3Address(slot, 'namespaces')) / 32)).toBe(slot);
      expect(Math.floor(zone30 / 32)).toBe(slot);
    }
    const spec = defaultSpec();
    spec.zones = Array.from({ length: 32 }, (_, i) => `z${i}`);
    expect(addressPlanProblems(spec, 0, 'namespaces').join('\n')).toMatch(/32 zones .* at most 31.*loopback/);
    expect(addressPlanProblems(spec, 0, 'loopback').join('\n')).not.toMatch(/at most 31/);
  });

  it('spreads stateful members round-robin over zones', () => {
    expect([0, 1, 2, 3, 4].map((k) => zoneIndexOf(k, 3))).toEqual([0, 1, 2, 0, 1]);
    expect(statefulAddress('kafka', 3, 3, 0)).toBe('127.0.1.3');
    const spec = defaultSpec();
    expect(kafkaBootstrap(spec, 0)).toEqual(['127.0.1.2:9092', '127.0.2.2:9092', '127.0.3.2:9092']);
    expect(cassandraContactPoints(spec, 1)).toEqual(['127.0.1.36:9042', '127.0.2.36:9042', '127.0.3.36:9042']);
  });

  it('never gives two members of different slots or roles the same address', () => {
    const seen = new Set<string>();
    const roles = [
      ['s3', 1],
      ['kafka', 4],
      ['cassandra', 4],
      ['producers', 10],
      ['consumers', 10],
    ] as const;
    for (let slot = 0; slot <= 7; slot += 1) {
      for (const [role, cap] of roles) {
        for (let o = 0; o < cap; o += 1) {
          const a = memberAddress(0, slot, role, o);
          expect(seen.has(a)).toBe(false);
          seen.add(a);
        }
      }
    }
    expect(seen.size).toBe(8 * 29);
  });

  it('rejects bad slots and full zones with the fix in the message', () => {
    expect(() => memberAddress(0, 8, 'kafka', 0)).toThrow(/slot 8 .*0 to 7/);
    expect(() => memberAddress(0, 0, 'kafka', 4)).toThrow(/at most 4 member\(s\) per zone/);
    const spec = defaultSpec();
    spec.kafka.brokers = 13;
    spec.consumers.max = 40;
    const problems = addressPlanProblems(spec, 0);
    expect(problems.join('\n')).toMatch(/kafka\.brokers: 13 over 3 zone\(s\) needs 5 per zone/);
    expect(problems.join('\n')).toMatch(/consumers\.max/);
    expect(addressPlanProblems(defaultSpec(), 0)).toEqual([]);
    expect(addressPlanProblems(defaultSpec(), 9)[0]).toMatch(/slot 9/);
  });

  it('finds the lowest free app ordinal in a zone', () => {
    expect(freeAppOrdinal('producers', [])).toBe(0);
    expect(freeAppOrdinal('producers', [0, 1, 3])).toBe(2);
    expect(freeAppOrdinal('consumers', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toBeUndefined();
  });
});
