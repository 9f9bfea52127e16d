import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSpec, loadSpecFile, SpecError } from '../../src/spec/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tt-spec-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function specErrorOf(path: string): Promise<SpecError> {
  const error = await loadSpecFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpecError);
  return error as SpecError;
}

describe('loadSpecFile', () => {
  it('merges a YAML file over the defaults', async () => {
    const path = write('ok.yaml', 'name: checkout\nkafka:\n  partitions: 12\nconsumers:\n  max: 12\n');
    const spec = await loadSpecFile(path);
    expect(spec.name).toBe('checkout');
    expect(spec.kafka.partitions).toBe(12);
    expect(spec.kafka.brokers).toBe(defaultSpec().kafka.brokers);
    expect(spec.consumers.max).toBe(12);
    expect(spec.consumers.min).toBe(defaultSpec().consumers.min);
  });

  it('reads JSON files', async () => {
    const path = write('ok.json', JSON.stringify({ cassandra: { consistency: 'QUORUM' } }));
    expect((await loadSpecFile(path)).cassandra.consistency).toBe('QUORUM');
  });

  it('an empty file is an error that says it is empty (and how to get the default spec)', async () => {
    for (const [name, text] of [
      ['empty.yaml', ''],
      ['comments.yaml', '# nothing yet\n'],
      ['blank.json', '  \n'],
    ] as const) {
      await expect(loadSpecFile(write(name, text))).rejects.toThrow(/is empty: .*leave out --spec/);
    }
  });

  it('reports unknown keys together with validation issues', async () => {
    const path = write(
      'typos.yaml',
      'nme: x\nkafka:\n  replicatonFactor: 2\n  brokers: 2\nproducers:\n  scaling:\n    cooldown: 3\n',
    );
    const error = await specErrorOf(path);
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(['nme', 'kafka.replicatonFactor', 'producers.scaling.cooldown', 'kafka.replicationFactor']);
    expect(error.issues[1]!.message).toContain('fix its spelling');
    expect(error.issues[1]!.message).toContain('replicationFactor');
  });

  it('a file that does not parse, or is not a mapping, is one issue at (file)', async () => {
    const bad = await specErrorOf(write('bad.json', '{ "kafka": '));
    expect(bad.issues).toHaveLength(1);
    expect(bad.issues[0]!.path).toBe('(file)');
    expect(bad.issues[0]!.message).toMatch(/cannot parse .*bad\.json as JSON/);
    const list = await specErrorOf(write('list.yaml', '- a\n- b\n'));
    expect(list.issues[0]!.message).toMatch(/must hold a mapping/);
  });

  it('a missing file names the path', async () => {
    const error = await specErrorOf(join(dir, 'nope.yaml'));
    expect(error.issues[0]!.message).toMatch(/cannot read .*nope\.yaml \(ENOENT\)/);
  });
});
