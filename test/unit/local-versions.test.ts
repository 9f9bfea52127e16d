import { describe, expect, it } from 'vitest';
import { parseVersionsEnv, readVersions } from '../../src/support/versions.ts';

describe('versions.env', () => {
  it('parses KEY=VALUE lines, comments and quotes', () => {
    expect(parseVersionsEnv('# c\n\nA=1\nexport B="two"\nC=\'3\'\n')).toEqual({ A: '1', B: 'two', C: '3' });
  });
  it('names the bad line', () => {
    expect(() => parseVersionsEnv('A=1\nnot an assignment\n', 'v.env')).toThrow(/v\.env:2: expected KEY=VALUE/);
  });
  it('the repo pins Kafka, Cassandra and moto', () => {
    const v = readVersions();
    expect(v.kafka).toMatch(/^\d+\.\d+\.\d+$/);
    expect(v.cassandra).toMatch(/^5\.0\.\d+$/);
    expect(v.moto).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
