import { parse } from 'csv-parse/sync';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitQuotedLine } from '../../apps/shared/csv-split.ts';
import { generateDataset } from '../../src/harness/dataset/index.ts';

/** csv-parse's verdict on one line: fields, or undefined when it rejects the line. */
function reference(line: string): string[] | undefined {
  try {
    const rows = parse(line, { relax_column_count: true }) as string[][];
    return rows.length === 1 ? rows[0] : undefined;
  } catch {
    return undefined;
  }
}

describe('splitQuotedLine agrees with csv-parse', () => {
  it.each([
    'a,"b ""c"", d",e',
    '"",x',
    'x,""',
    'x,',
    ',',
    '"a,b"',
    '"a""',
    '"a"b,c',
    'a,b"c',
    '"a" ,b',
    '"unterminated,b',
    'a,"b""",c',
    '"""",x',
  ])('%j', (line) => {
    expect(splitQuotedLine(line)).toEqual(reference(line));
  });

  it('on every line of a generated data set with malformed rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tt-split-'));
    try {
      const manifest = await generateDataset({
        rows: 6000,
        objects: 1,
        malformedFraction: 0.2,
        seed: 'split',
        outDir: dir,
      });
      const lines = (await readFile(join(dir, manifest.objects[0]!.name), 'utf8')).split('\n').filter(Boolean);
      let quoted = 0;
      for (const line of lines) {
        if (!line.includes('"')) continue;
        quoted++;
        expect(splitQuotedLine(line), line).toEqual(reference(line));
      }
      expect(quoted).toBeGreaterThan(500);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
