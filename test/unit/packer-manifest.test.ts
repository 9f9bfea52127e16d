/** Reading packer/manifest.json: newest AMI per role and region, multi-region artifacts, errors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  amiFor,
  amiIdsByInstanceKind,
  amiRecords,
  latestAmis,
  parseManifest,
  readManifest,
} from '../../src/aws/packer/manifest.ts';

const build = (name: string, time: number, artifact: string, run = 'run-1') => ({
  name,
  builder_type: 'amazon-ebs',
  build_time: time,
  files: null,
  artifact_id: artifact,
  packer_run_uuid: run,
  custom_data: { role: name, region: 'eu-west-1', git_revision: `rev-${time}`, version: '4.1.1' },
});

const sample = {
  builds: [
    build('kafka', 1000, 'eu-west-1:ami-0000000000000000a'),
    build('kafka', 2000, 'eu-west-1:ami-0000000000000000b,us-east-1:ami-0000000000000000c', 'run-2'),
    build('app', 1500, 'eu-west-1:ami-0000000000000000d'),
    build('mystery', 3000, 'eu-west-1:ami-0000000000000000e'),
  ],
  last_run_uuid: 'run-2',
};

const dir = mkdtempSync(join(tmpdir(), 'tt-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packer manifest', () => {
  it('expands comma-separated artifacts into one record per region and skips unknown roles', () => {
    const records = amiRecords(parseManifest(sample));
    expect(records.map((r) => `${r.role}/${r.region}/${r.amiId}`)).toEqual([
      'kafka/eu-west-1/ami-0000000000000000a',
      'kafka/eu-west-1/ami-0000000000000000b',
      'kafka/us-east-1/ami-0000000000000000c',
      'app/eu-west-1/ami-0000000000000000d',
    ]);
    expect(records[1]!.builtAt.toISOString()).toBe('1970-01-01T00:33:20.000Z');
    expect(records[1]!.gitRevision).toBe('rev-2000');
  });

  it('the newest build wins per role and region', () => {
    const m = parseManifest(sample);
    expect(latestAmis(m, 'eu-west-1').kafka?.amiId).toBe('ami-0000000000000000b');
    expect(latestAmis(m, 'us-east-1').kafka?.amiId).toBe('ami-0000000000000000c');
    expect(latestAmis(m, 'us-east-1').app).toBeUndefined();
    expect(amiFor(m, 'app', 'eu-west-1')).toBe('ami-0000000000000000d');
  });

  it('says which command builds a missing image', () => {
    expect(() => amiFor(parseManifest(sample), 'cassandra', 'eu-west-1')).toThrow(
      /terratower ami build --only cassandra --region eu-west-1/,
    );
    expect(() => amiFor(undefined, 'kafka', 'eu-west-1')).toThrow(/no kafka AMI/);
  });

  it('maps instance kinds to images: producers and consumers boot the app image', () => {
    expect(amiIdsByInstanceKind(parseManifest(sample), 'eu-west-1')).toEqual({
      kafka: 'ami-0000000000000000b',
      producer: 'ami-0000000000000000d',
      consumer: 'ami-0000000000000000d',
    });
    expect(amiIdsByInstanceKind(undefined, 'eu-west-1')).toEqual({});
  });

  it('reads a file, returns undefined when there is none, and rejects what is not a manifest', () => {
    const path = join(dir, 'manifest.json');
    expect(readManifest(path)).toBeUndefined();
    writeFileSync(path, JSON.stringify(sample));
    expect(readManifest(path)?.builds).toHaveLength(4);
    writeFileSync(path, JSON.stringify({ images: [] }));
    expect(() => readManifest(path)).toThrow(/no "builds" array/);
    expect(() => parseManifest({ builds: [{ name: 'kafka' }] })).toThrow(/builds\[0\]\.artifact_id/);
  });
});
