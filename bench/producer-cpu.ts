/**
 * The producer's per-row CPU cost, offline (no twin, no network): a generated data set read from
 * disk through the producer's own line reader (`readLines`) and batch builder (`BatchBuilder`:
 * split → validate → encode → partition), in cumulative stages timed over the same rows, so a
 * stage's cost is the difference to the one before.
 *
 *   node --import tsx bench/producer-cpu.ts [--rows N] [--malformed F] [--multiline F] [--runs R]
 *
 * `--multiline F`: that fraction of the rows has a quoted field spanning lines (the slow path of
 * the record assembly; the default 0 measures the common case).
 *
 * Prints rows/s and µs/row per stage (best of R runs: the one least disturbed by other load).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchBuilder } from '../apps/producer/batch.ts';
import { readLines } from '../apps/producer/objects.ts';
import { splitCsvLine, validateFields } from '../apps/shared/record.ts';
import { generateDataset } from '../src/harness/dataset/index.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    malformed: { type: 'string' },
    multiline: { type: 'string' },
    runs: { type: 'string' },
  },
});
const ROWS = Number(values.rows ?? 100_000);
const MALFORMED = Number(values.malformed ?? 0.001);
const MULTILINE = Number(values.multiline ?? 0);
const RUNS = Number(values.runs ?? 5);
const BATCH = 2000;

type Stage = 'read' | 'split' | 'validate' | 'batch';
const STAGES: Stage[] = ['read', 'split', 'validate', 'batch'];

/** Run the per-row path up to `stage` over `file`; returns rows/s and a checksum (so nothing is optimised away). */
async function run(file: string, stage: Stage): Promise<{ rowsPerSecond: number; check: number }> {
  const builder = new BatchBuilder(
    { object: 'payments/part-00000.csv', member: 'bench', dataPartitions: 12, deadPartitions: 3 },
    0,
  );
  let n = 0;
  let check = 0;
  const started = performance.now();
  for await (const { line, text } of readLines(createReadStream(file), 0)) {
    n++;
    if (stage === 'read') {
      check += text.length;
    } else if (stage === 'split') {
      const split = splitCsvLine(text);
      check += split.ok ? split.fields.length : 1;
    } else if (stage === 'validate') {
      const split = splitCsvLine(text);
      check += split.ok && validateFields(split.fields).ok ? 1 : 2;
    } else {
      builder.add(line, text);
      if (builder.size >= BATCH) check += builder.take().dataCount;
    }
  }
  if (stage === 'batch') {
    builder.end();
    check += builder.take().dataCount;
  }
  return { rowsPerSecond: (n / (performance.now() - started)) * 1000, check };
}

const work = await mkdtemp(join(tmpdir(), 'tt-producer-cpu-'));
try {
  const manifest = await generateDataset({
    rows: ROWS,
    objects: 1,
    malformedFraction: MALFORMED,
    multilineFraction: MULTILINE,
    seed: 'cpu',
    outDir: work,
  });
  const file = join(work, manifest.objects[0]!.name);
  console.log(
    JSON.stringify({
      rows: ROWS,
      malformed: MALFORMED,
      multiline: MULTILINE,
      runs: RUNS,
      load: loadavg().map((l) => Number(l.toFixed(2))),
    }),
  );
  await run(file, 'batch'); // warm-up
  const best = new Map<Stage, number>();
  // Stages interleaved, so a burst of other load spoils one run of each rather than all runs of one.
  for (let r = 0; r < RUNS; r++) {
    for (const stage of STAGES) best.set(stage, Math.max(best.get(stage) ?? 0, (await run(file, stage)).rowsPerSecond));
  }
  for (const stage of STAGES) {
    const rate = best.get(stage)!;
    console.log(JSON.stringify({ stage, rowsPerSecond: Math.round(rate), usPerRow: Number((1e6 / rate).toFixed(2)) }));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
