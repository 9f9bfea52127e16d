/**
 * Open a run store from a location string, the way the CLI's `--store` and `$TERRATOWER_STORE`
 * give it:
 *
 * - a file path (`./runs.db`, `/var/lib/terratower/runs.db`): the embedded SQLite store;
 * - `s3://BUCKET/PREFIX` (optionally `?endpoint=http://127.0.0.1:5000&region=eu-west-1`): the
 *   S3 store (credentials from the SDK's usual chain);
 * - nothing: `$TERRATOWER_STORE`, else `<cache>/store/runs.db` (~/.cache/terratower).
 */
import { join, resolve } from 'node:path';
import { cacheDir } from '../support/paths.ts';
import { StoreError, type RunStore } from './types.ts';

/** The environment variable naming the default store; `off` stops shipped runs from being recorded. */
export const STORE_ENV = 'TERRATOWER_STORE';

/** The default store location: `$TERRATOWER_STORE`, else `<cache>/store/runs.db`. */
export function defaultStoreLocation(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[STORE_ENV]?.trim();
  if (fromEnv && fromEnv !== 'off') return fromEnv;
  return join(cacheDir(), 'store', 'runs.db');
}

/** True when `$TERRATOWER_STORE=off`: runs are not recorded unless a store is given explicitly. */
export function recordingDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[STORE_ENV]?.trim() === 'off';
}

/** A parsed `s3://` location. */
export interface S3Location {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
}

/** Parse `s3://bucket/prefix?endpoint=…&region=…`; undefined when `location` is not an s3 URL. */
export function parseS3Location(location: string): S3Location | undefined {
  if (!location.startsWith('s3://')) return undefined;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new StoreError(`run store location "${location}" is not a URL: write s3://BUCKET/PREFIX`);
  }
  const bucket = url.hostname;
  if (bucket.length < 3)
    throw new StoreError(`run store location "${location}": the bucket name must have at least 3 characters`);
  const out: S3Location = { bucket, prefix: decodeURIComponent(url.pathname.replace(/^\//, '')) };
  const endpoint = url.searchParams.get('endpoint');
  const region = url.searchParams.get('region');
  if (endpoint) out.endpoint = endpoint;
  if (region) out.region = region;
  return out;
}

/** Open the store at `location` (default: `defaultStoreLocation()`), creating and migrating it as needed. */
export async function openStore(location?: string): Promise<RunStore> {
  const where = location ?? defaultStoreLocation();
  const s3 = parseS3Location(where);
  if (s3) {
    const { S3RunStore } = await import('./s3.ts');
    return S3RunStore.open(s3);
  }
  const { SqliteRunStore } = await import('./sqlite.ts');
  return new SqliteRunStore(where === ':memory:' ? where : resolve(where));
}
