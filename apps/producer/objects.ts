/** The producer's view of the bucket: which objects are data, and streaming one line by line. */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { UnreadableObjectError, isDataKey, readLines, type ObjectLine } from '../shared/csv-records.ts';

export { isDataKey, readLines, type ObjectLine } from '../shared/csv-records.ts';

/** A data object to produce. */
export interface DataObject {
  /** S3 key. */
  key: string;
  /** ETag (an object replaced under the same key counts as a new object). */
  etag: string;
  /** Size in bytes. */
  size: number;
}

/** List the data objects under `prefix`, sorted by key. */
export async function listDataObjects(s3: S3Client, bucket: string, prefix: string): Promise<DataObject[]> {
  const out: DataObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      if (item.Key && isDataKey(item.Key, prefix)) {
        out.push({ key: item.Key, etag: (item.ETag ?? '').replaceAll('"', ''), size: item.Size ?? 0 });
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Stream the lines of an object (gunzipped if `.gz`), never holding more than the stream's
 * buffers. Lines up to and including `afterLine` are read and skipped (resuming; gzip cannot
 * seek). Aborting `signal` ends the iteration and releases the connection. A corrupt or
 * truncated gzip stream throws `UnreadableObjectError` (no retry can read it); S3 and network
 * errors are thrown as they are.
 */
export async function* readObjectLines(
  s3: S3Client,
  bucket: string,
  key: string,
  afterLine: number,
  signal?: AbortSignal,
): AsyncGenerator<ObjectLine> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  if (!(response.Body instanceof Readable)) throw new Error(`s3://${bucket}/${key}: body is not a Node stream`);
  const body: Readable = response.Body;
  const input = key.endsWith('.gz') ? body.pipe(createGunzip()) : body;
  body.on('error', (error) => input.destroy(error));
  try {
    yield* readLines(input, afterLine);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (input !== body && typeof code === 'string' && code.startsWith('Z_')) {
      throw new UnreadableObjectError(`corrupt gzip (${code}): ${(error as Error).message}`);
    }
    throw error;
  } finally {
    body.destroy();
    if (input !== body) input.destroy();
  }
}
