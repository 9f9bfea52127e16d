/** `uploadDataset`: put a generated data set into a bucket (created if missing). */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../../../apps/shared/s3.ts';
import { MALFORMED_FILE, MANIFEST_FILE, VALID_IDS_FILE, type DatasetManifest } from './manifest.ts';

/** Key prefix (under the data set prefix) of the manifest and side files. Producers skip it. */
export const META_DIR = '_meta/';

/** Options of `uploadDataset`. */
export interface UploadOptions {
  /** Directory written by `generateDataset`. */
  dir: string;
  /** Bucket. */
  bucket: string;
  /** Key prefix of the data objects, e.g. `payments/`. */
  prefix: string;
  /** S3 API endpoint (a local S3 such as the twin's); omit for AWS. */
  endpoint?: string;
  /** Region. @default us-east-1 */
  region?: string;
  /** An S3 client to use instead of building one from endpoint/region. */
  client?: S3Client;
  /** Called after each object. */
  onProgress?: (key: string, done: number, total: number) => void;
}

/** What was uploaded. */
export interface UploadResult {
  /** Keys of the data objects, in manifest order. */
  objectKeys: string[];
  /** Key of the manifest. */
  manifestKey: string;
  manifest: DatasetManifest;
}

/** Read manifest.json from a data set directory. */
export async function readManifest(dir: string): Promise<DatasetManifest> {
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch((error: unknown) => {
    throw new Error(`${dir} holds no ${MANIFEST_FILE} (generate the data set first): ${String(error)}`);
  });
  const manifest = JSON.parse(text) as DatasetManifest;
  if (manifest.version !== 1 || !Array.isArray(manifest.objects))
    throw new Error(`${dir}/${MANIFEST_FILE} is not a terratower manifest`);
  return manifest;
}

async function ensureBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch {
    // Missing (or not ours: CreateBucket says which).
  }
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

async function putFile(s3: S3Client, bucket: string, key: string, path: string, contentType: string): Promise<void> {
  const { size } = await stat(path);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(path),
      ContentLength: size,
      ContentType: contentType,
    }),
  );
}

/**
 * Upload the data objects to `prefix + name` and the manifest, valid ids and malformed list to
 * `prefix + "_meta/"`. Creates the bucket if it does not exist.
 */
export async function uploadDataset(options: UploadOptions): Promise<UploadResult> {
  const region = options.region ?? 'us-east-1';
  const s3 = options.client ?? createS3Client(region, options.endpoint);
  try {
    const manifest = await readManifest(options.dir);
    await ensureBucket(s3, options.bucket, region);
    const objectKeys: string[] = [];
    const total = manifest.objects.length + 3;
    for (const object of manifest.objects) {
      const key = `${options.prefix}${object.name}`;
      const type = object.name.endsWith('.gz') ? 'application/gzip' : 'text/csv';
      await putFile(s3, options.bucket, key, join(options.dir, object.name), type);
      objectKeys.push(key);
      options.onProgress?.(key, objectKeys.length, total);
    }
    const meta = [
      [VALID_IDS_FILE, 'text/plain'],
      [MALFORMED_FILE, 'application/json'],
      [MANIFEST_FILE, 'application/json'],
    ] as const;
    let done = objectKeys.length;
    for (const [file, type] of meta) {
      const key = `${options.prefix}${META_DIR}${file}`;
      await putFile(s3, options.bucket, key, join(options.dir, file), type);
      options.onProgress?.(key, ++done, total);
    }
    return { objectKeys, manifestKey: `${options.prefix}${META_DIR}${MANIFEST_FILE}`, manifest };
  } finally {
    if (!options.client) s3.destroy();
  }
}

/** Whether `dir` holds a terratower manifest (else it is a directory of plain objects). */
export async function hasManifest(dir: string): Promise<boolean> {
  return stat(join(dir, MANIFEST_FILE)).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** What `uploadObjects` put. */
export interface PlainUploadResult {
  /** Keys of the data objects, in name order. */
  objectKeys: string[];
  /** Bytes uploaded. */
  bytes: number;
}

/**
 * Bring your own objects: upload every `.csv` and `.csv.gz` file of `dir` (no manifest needed;
 * other files and subdirectories are left alone) to `prefix + name`. The ledger of such data is
 * computed from the objects themselves (src/harness/ledger/from-objects.ts). Creates the bucket
 * if it does not exist. Fails naming the directory when it holds no such file.
 */
export async function uploadObjects(options: UploadOptions): Promise<PlainUploadResult> {
  const entries = await readdir(options.dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new Error(`cannot read ${options.dir}: ${(error as Error).message}`);
  });
  const names = entries
    .filter((e) => e.isFile() && (e.name.endsWith('.csv') || e.name.endsWith('.csv.gz')))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) {
    throw new Error(`${options.dir} holds no .csv or .csv.gz file: put the data objects there, or give another DIR`);
  }
  const region = options.region ?? 'us-east-1';
  const s3 = options.client ?? createS3Client(region, options.endpoint);
  try {
    await ensureBucket(s3, options.bucket, region);
    const objectKeys: string[] = [];
    let bytes = 0;
    for (const name of names) {
      const key = `${options.prefix}${name}`;
      const path = join(options.dir, name);
      await putFile(s3, options.bucket, key, path, name.endsWith('.gz') ? 'application/gzip' : 'text/csv');
      bytes += (await stat(path)).size;
      objectKeys.push(key);
      options.onProgress?.(key, objectKeys.length, names.length);
    }
    return { objectKeys, bytes };
  } finally {
    if (!options.client) s3.destroy();
  }
}
