/**
 * Synth benchmark: time and peak RSS of synthesizing the default PipelineStack in a fresh child
 * process, against a trivial one-resource stack (AWS provider + one S3 bucket, deep imports)
 * measured in the same run, alternating, so the ratio holds on a loaded machine.
 *
 *   node --import tsx bench/synth.ts [--runs N] [--strict]
 *
 * Both children load and synthesize as `terratower synth` does: source maps off (see
 * src/aws/stacks/source-maps.ts). Targets for the full stack: ≤ 2.0 s and ≤ 300 MB (wall time of the whole child process:
 * node start, TypeScript loading through tsx, imports, construct tree, synth, write).
 * `--strict` exits 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TARGET_SECONDS = 2.0;
const TARGET_MB = 300;

type Kind = 'full' | 'trivial';

/** What a child reports. */
interface ChildReport {
  /** Milliseconds from the child's first statement to the synthesized file written. */
  inProcessMs: number;
  /** Peak resident set size, KiB. */
  maxRssKb: number;
  /** CPU time of the whole child (all threads, user + system), ms: less sensitive to load than wall time. */
  cpuMs: number;
}

async function child(kind: Kind, outdir: string): Promise<void> {
  const started = performance.now();
  // As `terratower synth` and main.ts do (see src/aws/stacks/source-maps.ts).
  process.setSourceMapsEnabled(false);
  const { App, TerraformStack } = await import('cdktf');
  if (kind === 'full') {
    const { PipelineStack } = await import('../src/aws/stacks/pipeline-stack.ts');
    const { defaultSpec } = await import('../src/spec/defaults.ts');
    const app = new App({ outdir });
    new PipelineStack(app, 'bench-full', { spec: defaultSpec(), runId: 'bench' });
    app.synth();
  } else {
    const { AwsProvider } = await import('@cdktf/provider-aws/lib/provider/index.js');
    const { S3Bucket } = await import('@cdktf/provider-aws/lib/s3-bucket/index.js');
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'bench-trivial');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new S3Bucket(stack, 'bucket', { bucket: 'terratower-bench-trivial' });
    app.synth();
  }
  const usage = process.resourceUsage();
  const report: ChildReport = {
    inProcessMs: performance.now() - started,
    maxRssKb: usage.maxRSS,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

interface Sample extends ChildReport {
  /** Wall time of the whole child process, ms. */
  wallMs: number;
}

function measure(kind: Kind): Sample {
  const outdir = mkdtempSync(join(tmpdir(), `tt-bench-synth-${kind}-`));
  try {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, '--outdir', outdir],
      {
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    const wallMs = performance.now() - started;
    if (result.status !== 0) throw new Error(`${kind} child failed (${result.status}): ${result.stderr}`);
    const last = result.stdout.trim().split('\n').pop() ?? '';
    return { wallMs, ...(JSON.parse(last) as ChildReport) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      outdir: { type: 'string' },
      runs: { type: 'string', default: '3' },
      strict: { type: 'boolean', default: false },
    },
  });
  if (values.child) {
    await child(values.child as Kind, values.outdir ?? 'cdktf.out');
    return 0;
  }
  const runs = Math.max(1, Number(values.runs));
  const samples: Record<Kind, Sample[]> = { full: [], trivial: [] };
  measure('trivial'); // warm the tsx cache and the file system cache; not counted
  for (let i = 0; i < runs; i++) {
    for (const kind of ['trivial', 'full'] as const) {
      const s = measure(kind);
      samples[kind].push(s);
      console.error(
        `run ${i + 1}/${runs} ${kind.padEnd(7)} wall ${(s.wallMs / 1000).toFixed(2)} s, in-process ${(s.inProcessMs / 1000).toFixed(2)} s, CPU ${(s.cpuMs / 1000).toFixed(2)} s, peak RSS ${(s.maxRssKb / 1024).toFixed(0)} MB`,
      );
    }
  }
  const summary = (kind: Kind) => ({
    wallS: median(samples[kind].map((s) => s.wallMs)) / 1000,
    inProcessS: median(samples[kind].map((s) => s.inProcessMs)) / 1000,
    rssMb: median(samples[kind].map((s) => s.maxRssKb)) / 1024,
    cpuS: median(samples[kind].map((s) => s.cpuMs)) / 1000,
  });
  const full = summary('full');
  const trivial = summary('trivial');
  const line = (name: string, s: ReturnType<typeof summary>) =>
    `${name.padEnd(30)} ${s.wallS.toFixed(2).padStart(6)} s wall   ${s.inProcessS.toFixed(2).padStart(6)} s in-process   ${s.cpuS.toFixed(2).padStart(6)} s CPU   ${s.rssMb.toFixed(0).padStart(5)} MB peak RSS`;
  console.log(`synth benchmark, median of ${runs} fresh child processes each`);
  console.log(line('trivial stack (1 resource)', trivial));
  console.log(line('default PipelineStack', full));
  console.log(
    `ratio full/trivial: ${(full.wallS / trivial.wallS).toFixed(2)}× wall, ${(full.inProcessS / trivial.inProcessS).toFixed(2)}× in-process, ${(full.cpuS / trivial.cpuS).toFixed(2)}× CPU, ${(full.rssMb / trivial.rssMb).toFixed(2)}× RSS`,
  );
  const timeOk = full.wallS <= TARGET_SECONDS;
  const rssOk = full.rssMb <= TARGET_MB;
  const [load1] = loadavg();
  console.log(
    `load average at the end: ${load1!.toFixed(1)} on ${cpus().length} cores (wall times stretch with load; the ratios hold better)`,
  );
  console.log(
    `target ≤ ${TARGET_SECONDS.toFixed(1)} s: ${timeOk ? 'met' : 'MISSED'}; target ≤ ${TARGET_MB} MB: ${rssOk ? 'met' : 'MISSED'}`,
  );
  return values.strict && !(timeOk && rssOk) ? 1 : 0;
}

process.exitCode = await main();
