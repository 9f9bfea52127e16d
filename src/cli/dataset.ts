/**
 * `terratower dataset generate|upload`: make the synthetic "general payments" data set and put
 * it into a bucket (the twin's S3 API via --endpoint, or AWS).
 */
import { defaultSpec } from '../spec/defaults.ts';
import { existingDir, outputDir, parseCommandArgs, urlFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage:
  terratower dataset generate --rows N [--objects K] [--malformed FRACTION] [--updates FRACTION] [--seed S] [--gzip] --out DIR
  terratower dataset upload DIR [--bucket B] [--prefix P] [--endpoint URL] [--region R]

generate  writes K CSV objects (part-00000.csv…, or .csv.gz with --gzip), manifest.json,
          valid-ids.txt (sorted valid record ids), malformed.json (object, line, kind) and
          content.tsv (latest version and content digest per id); --updates gives that fraction
          of the records later versions of themselves (same id, increasing record_version)
upload    puts the objects under PREFIX and the manifest files under PREFIX_meta/ in BUCKET
          (created if missing); defaults: the spec's bucket "${defaultSpec().dataset.bucket}" and prefix "${defaultSpec().dataset.prefix}"`;

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw new CommandError(`--${name} ${raw} is not a number\n\n${USAGE}`, 2);
  return value;
}

async function generate(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      options: {
        rows: { type: 'string' },
        objects: { type: 'string' },
        malformed: { type: 'string' },
        updates: { type: 'string' },
        seed: { type: 'string' },
        gzip: { type: 'boolean' },
        out: { type: 'string' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.rows === undefined || values.out === undefined)
    throw new CommandError(`generate needs --rows and --out\n\n${USAGE}`, 2);
  const rows = number('rows', values.rows, 0);
  const objects = number('objects', values.objects, 1);
  const malformedFraction = number('malformed', values.malformed, 0);
  outputDir('out', values.out);
  const { generateDataset } = await import('../harness/dataset/generate.ts');
  const started = performance.now();
  let manifest;
  try {
    manifest = await generateDataset({
      rows,
      objects,
      malformedFraction,
      updateFraction: number('updates', values.updates, 0),
      seed: values.seed ?? '1',
      gzip: values.gzip ?? false,
      outDir: values.out,
    });
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error), 2);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${manifest.rows} rows (${manifest.validCount} valid, ${manifest.malformedCount} malformed, ${manifest.updateLines} updates) ` +
      `in ${manifest.objects.length} object(s) to ${values.out} in ${seconds.toFixed(1)} s`,
  );
  return 0;
}

async function upload(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      allowPositionals: true,
      options: {
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new CommandError(`upload needs exactly one DIR\n\n${USAGE}`, 2);
  const dir = existingDir('upload: the dataset directory', positionals[0] ?? '');
  const endpoint = urlFlag('endpoint', values.endpoint);
  const spec = defaultSpec();
  const { uploadDataset } = await import('../harness/dataset/upload.ts');
  const bucket = values.bucket ?? spec.dataset.bucket;
  const prefix = values.prefix ?? spec.dataset.prefix;
  const result = await uploadDataset({
    dir,
    bucket,
    prefix,
    endpoint,
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
    onProgress: (key, done, total) => process.stderr.write(`  [${done}/${total}] s3://${bucket}/${key}\n`),
  }).catch((error: unknown) => {
    throw unreachable(error, endpoint) ?? error;
  });
  console.log(`uploaded ${result.objectKeys.length} object(s) and the manifest to s3://${bucket}/${prefix}`);
  return 0;
}

/** A connection failure as one line that names the endpoint and what to check. */
function unreachable(error: unknown, endpoint: string | undefined): CommandError | undefined {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (!code || !/^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) return undefined;
  const where = endpoint ?? 'AWS S3';
  return new CommandError(
    `upload: cannot reach ${where} (${code}): check --endpoint${endpoint ? ' (is the twin up? `terratower local status`)' : ''}`,
  );
}

const command: Command = async (argv) => {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'generate') return await generate(rest);
    if (sub === 'upload') return await upload(rest);
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`dataset ${sub}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  throw new CommandError(`unknown dataset subcommand "${sub}"\n\n${USAGE}`, 2);
};
export default command;
