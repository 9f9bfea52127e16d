import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_HEADER, validateLine } from '../../apps/shared/record.ts';
import {
  generateDataset,
  GENERATED_KINDS,
  type DatasetManifest,
  type MalformedEntry,
} from '../../src/harness/dataset/index.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tt-dataset-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

async function lines(dir: string, name: string): Promise<string[]> {
  const bytes = await readFile(join(dir, name));
  const text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('generateDataset', () => {
  it('same seed → same bytes; another seed → other bytes', async () => {
    const opts = { rows: 3000, objects: 3, malformedFraction: 0.05, gzip: true };
    await generateDataset({ ...opts, seed: 'abc', outDir: join(root, 'a') });
    await generateDataset({ ...opts, seed: 'abc', outDir: join(root, 'b') });
    await generateDataset({ ...opts, seed: 'abd', outDir: join(root, 'c') });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => filesOf(join(root, d))));
    expect(Object.keys(a!)).toEqual([
      'content.tsv',
      'malformed.json',
      'manifest.json',
      'part-00000.csv.gz',
      'part-00001.csv.gz',
      'part-00002.csv.gz',
      'valid-ids.txt',
    ]);
    expect(b).toEqual(a);
    expect(c!['part-00000.csv.gz']).not.toBe(a!['part-00000.csv.gz']);
  });

  it('counts, ids, digests and malformed list match the objects', async () => {
    const dir = join(root, 'd');
    const manifest = await generateDataset({ rows: 10_001, objects: 4, malformedFraction: 0.02, seed: 9, outDir: dir });
    expect(manifest).toEqual(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DatasetManifest);
    expect(manifest.malformedCount).toBe(200);
    expect(manifest.validCount).toBe(9801);
    expect(manifest.objects.map((o) => o.rows)).toEqual([2501, 2500, 2500, 2500]);
    // Every generated kind appears, and the counts add up.
    expect(Object.keys(manifest.malformedByKind).sort()).toEqual([...GENERATED_KINDS].sort());
    expect(Object.values(manifest.malformedByKind).reduce((s, n) => s + (n ?? 0), 0)).toBe(200);

    const malformed = JSON.parse(await readFile(join(dir, 'malformed.json'), 'utf8')) as MalformedEntry[];
    const expectedBad = new Map(malformed.map((m) => [`${m.object}:${m.line}`, m.kind]));
    const validIds: string[] = [];
    for (const object of manifest.objects) {
      const all = await lines(dir, object.name);
      expect(all[0]).toBe(CSV_HEADER);
      expect(all.length - 1).toBe(object.rows);
      let valid = 0;
      all.slice(1).forEach((line, i) => {
        const result = validateLine(line);
        const key = `${object.name}:${i + 2}`;
        if (result.ok) {
          valid++;
          validIds.push(result.record.record_id);
          expect(expectedBad.has(key)).toBe(false);
        } else {
          // The validator's verdict is the kind the generator made.
          expect(result.kind).toBe(expectedBad.get(key));
        }
      });
      expect(valid).toBe(object.valid);
      const bytes = await readFile(join(dir, object.name));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(object.sha256);
    }
    expect(new Set(validIds).size).toBe(validIds.length);
    const idsText = await readFile(join(dir, 'valid-ids.txt'), 'utf8');
    expect(idsText).toBe(`${[...validIds].sort().join('\n')}\n`);
    expect(createHash('sha256').update(idsText).digest('hex')).toBe(manifest.validIdsSha256);
  });

  it('rejects bad options with the option named', async () => {
    await expect(generateDataset({ rows: -1, outDir: join(root, 'x') })).rejects.toThrow(/rows/);
    await expect(generateDataset({ rows: 10, objects: 0, outDir: join(root, 'x') })).rejects.toThrow(/objects/);
    await expect(generateDataset({ rows: 10, malformedFraction: 2, outDir: join(root, 'x') })).rejects.toThrow(
      /fraction/,
    );
    await expect(generateDataset({ rows: 10, seed: 'a b', outDir: join(root, 'x') })).rejects.toThrow(/seed/);
  });
});
