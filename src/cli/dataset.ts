/**
 * `terratower dataset generate|upload`: make the synthetic "general payments" data set and put
 * it into a bucket (the twin's S3 API via --endpoint, or AWS).
 */
import { checkSchema, schemaProblemLines, type DatasetSchema } from '../../apps/shared/schema.ts';
import { defaultSpec } from '../spec/defaults.ts';
import { existingDir, outputDir, parseCommandArgs, urlFlag } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage:
  terratower dataset generate --rows N [--objects K] [--malformed FRACTION] [--updates FRACTION] [--seed S] [--gzip]
                             [--multiline FRACTION] [--schema FILE] --out DIR
  terratower dataset upload DIR [--bucket B] [--prefix P] [--endpoint URL] [--region R]

generate  writes K CSV objects (part-00000.csv…, or .csv.gz with --gzip), manifest.json,
          valid-ids.txt (sorted valid record ids), malformed.json (object, line, kind) and
          content.tsv (latest version and content digest per id); rows of the payments record,
          or with --schema FILE (a spec file with dataset.schema, or a schema file {columns, key, …})
          rows of that schema; --updates gives that fraction of the payments records later versions
          of themselves (same id, increasing record_version); --multiline: the fraction of payments
          rows whose quoted city spans lines
upload    puts the objects under PREFIX and the manifest files under PREFIX_meta/ in BUCKET
          (created if missing); a directory without manifest.json is uploaded as it is (your own
          CSV or .csv.gz objects: the ledger then reads the objects themselves); defaults: the
          spec's bucket "${defaultSpec().dataset.bucket}" and prefix "${defaultSpec().dataset.prefix}"`;

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
        multiline: { type: 'string' },
        schema: { type: 'string' },
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
    const options = {
      rows,
      objects,
      malformedFraction,
      seed: values.seed ?? '1',
      gzip: values.gzip ?? false,
      outDir: values.out,
    };
    if (values.schema !== undefined) {
      if (values.multiline !== undefined || values.updates !== undefined)
        throw new Error('--multiline and --updates apply to the payments rows only: drop them or --schema');
      const schema = await readSchemaFile(values.schema);
      const { generateSchemaDataset } = await import('../harness/dataset/generate-schema.ts');
      manifest = await generateSchemaDataset(schema, options);
    } else {
      manifest = await generateDataset({
        ...options,
        updateFraction: number('updates', values.updates, 0),
        multilineFraction: number('multiline', values.multiline, 0),
      });
    }
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error), 2);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${manifest.rows} rows (${manifest.validCount} valid, ${manifest.malformedCount} malformed, ${manifest.updateLines ?? 0} updates) ` +
      `in ${manifest.objects.length} object(s) to ${values.out} in ${seconds.toFixed(1)} s`,
  );
  return 0;
}

/** The schema of FILE: a spec file's dataset.schema, or a bare schema; checked (path and fix). */
async function readSchemaFile(path: string): Promise<DatasetSchema> {
  const { readFile } = await import('node:fs/promises');
  const { parseSpecText } = await import('../spec/load.ts');
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new Error(`--schema ${path}: ${(error as Error).message}`);
  });
  const parsed = parseSpecText(text, path) as { dataset?: { schema?: unknown } } & Record<string, unknown>;
  const schema = parsed.dataset?.schema ?? ('columns' in parsed ? parsed : undefined);
  if (schema === undefined) throw new Error(`--schema ${path} holds neither dataset.schema nor {columns, key}`);
  const problems = checkSchema(schema);
  if (problems.length > 0) throw new Error(`--schema ${path}: ${schemaProblemLines(problems).join('; ')}`);
  return schema as DatasetSchema;
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
  const { hasManifest, uploadDataset, uploadObjects } = await import('../harness/dataset/upload.ts');
  const bucket = values.bucket ?? spec.dataset.bucket;
  const prefix = values.prefix ?? spec.dataset.prefix;
  const options = {
    dir,
    bucket,
    prefix,
    endpoint,
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
    onProgress: (key: string, done: number, total: number) =>
      process.stderr.write(`  [${done}/${total}] s3://${bucket}/${key}\n`),
  };
  const failure = (error: unknown): never => {
    throw unreachable(error, endpoint) ?? error;
  };
  if (!(await hasManifest(dir))) {
    const plain = await uploadObjects(options).catch(failure);
    console.log(
      `uploaded ${plain.objectKeys.length} object(s) (${plain.bytes} bytes, no manifest: the ledger reads ` +
        `the objects themselves) to s3://${bucket}/${prefix}`,
    );
    return 0;
  }
  const result = await uploadDataset(options).catch(failure);
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
