/**
 * The S3 run store: a bucket and a prefix a team shares. Layout under the prefix:
 *
 * ```
 * schema.json                      { "layout": 1 }        written on first use, checked on open
 * runs/<id>/summary.json           the run without its detail (what listing reads)
 * runs/<id>/detail.json            journal, series, events, ledger, recovery
 * experiments/<id>.json            one experiment
 * ```
 *
 * Listing reads every summary under `runs/` (eight GETs at a time) and filters in memory: fine
 * for the hundreds of runs a team keeps; not an index. S3 has no transactions: `updateRun` is a
 * read-modify-write, and two writers updating one run at once keep the last write.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { S3_LAYOUT_VERSION, upgradeExperimentRecord, upgradeRunRecord } from './migrations.ts';
import {
  RUN_RECORD_VERSION,
  StoreError,
  type ExperimentRecord,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  type RunStore,
  type RunSummary,
} from './types.ts';

/** Options of the S3 store. */
export interface S3StoreOptions {
  bucket: string;
  /** Key prefix; a trailing `/` is added when missing. @default '' */
  prefix?: string;
  /** S3 endpoint (a moto server, MinIO); path-style addressing is used when set. @default AWS */
  endpoint?: string;
  /** @default $AWS_REGION, else us-east-1 */
  region?: string;
  /** Explicit credentials (tests against moto). @default the SDK's chain */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function isNotFound(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** The S3 run store. Create with `S3RunStore.open(options)` (it checks or writes the layout version). */
export class S3RunStore implements RunStore {
  readonly location: string;
  private readonly prefix: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix: string,
  ) {
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.location = `s3://${bucket}/${this.prefix}`;
  }

  /** Connect, and check (or, on an empty prefix, write) `schema.json`. */
  static async open(options: S3StoreOptions): Promise<S3RunStore> {
    const config: S3ClientConfig = { region: options.region ?? process.env.AWS_REGION ?? 'us-east-1' };
    if (options.endpoint) {
      config.endpoint = options.endpoint;
      config.forcePathStyle = true;
    }
    if (options.credentials) config.credentials = options.credentials;
    const store = new S3RunStore(new S3Client(config), options.bucket, options.prefix ?? '');
    await store.checkLayout();
    return store;
  }

  private key(rest: string): string {
    return `${this.prefix}${rest}`;
  }

  private async getJson(key: string): Promise<unknown | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await res.Body?.transformToString('utf8');
      return text === undefined ? undefined : JSON.parse(text);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(error, `read s3://${this.bucket}/${key}`);
    }
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw this.wrap(error, `write s3://${this.bucket}/${key}`);
    }
  }

  private wrap(error: unknown, what: string): StoreError {
    const e = error as { name?: string; message?: string };
    if (e?.name === 'NoSuchBucket')
      return new StoreError(`run store: bucket "${this.bucket}" does not exist: create it, or fix the store location`);
    return new StoreError(`run store: cannot ${what}: ${e?.message ?? String(error)}`);
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
      } catch (error) {
        throw this.wrap(error, `list s3://${this.bucket}/${prefix}`);
      }
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async checkLayout(): Promise<void> {
    const schema = (await this.getJson(this.key('schema.json'))) as { layout?: number } | undefined;
    if (schema === undefined) {
      await this.putJson(this.key('schema.json'), { layout: S3_LAYOUT_VERSION, recordVersion: RUN_RECORD_VERSION });
      return;
    }
    if (typeof schema.layout !== 'number' || schema.layout > S3_LAYOUT_VERSION) {
      throw new StoreError(
        `${this.location} has layout ${JSON.stringify(schema.layout)}, newer than this terratower reads (${S3_LAYOUT_VERSION}): upgrade terratower`,
      );
    }
  }

  async putRun(run: RunRecord): Promise<void> {
    const { detail, ...summary } = run;
    await this.putJson(this.key(`runs/${run.id}/detail.json`), detail ?? {});
    // The summary last: a run is listed only once its detail is there.
    await this.putJson(this.key(`runs/${run.id}/summary.json`), { ...summary, schemaVersion: RUN_RECORD_VERSION });
  }

  async getRun(id: string, options: { detail?: boolean } = {}): Promise<RunRecord | undefined> {
    const doc = await this.getJson(this.key(`runs/${id}/summary.json`));
    if (doc === undefined) return undefined;
    const run = upgradeRunRecord(doc, `run ${id} in ${this.location}`);
    if (options.detail)
      run.detail = ((await this.getJson(this.key(`runs/${id}/detail.json`))) ?? {}) as RunRecord['detail'];
    return run;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const keys = (await this.listKeys(this.key('runs/'))).filter((k) => k.endsWith('/summary.json'));
    const docs = await inBatches(keys, 8, (k) => this.getJson(k));
    const statuses =
      filter.status === undefined ? undefined : typeof filter.status === 'string' ? [filter.status] : filter.status;
    const runs = docs
      .filter((d): d is NonNullable<typeof d> => d !== undefined)
      .map((d) => upgradeRunRecord(d, `a run in ${this.location}`) as RunSummary)
      .filter(
        (r) =>
          (filter.scenario === undefined || r.scenario === filter.scenario) &&
          (filter.target === undefined || r.target === filter.target) &&
          (filter.kind === undefined || r.kind === filter.kind) &&
          (filter.experimentId === undefined || r.experiment?.id === filter.experimentId) &&
          (filter.variant === undefined || r.experiment?.variant === filter.variant) &&
          (filter.since === undefined || r.createdAt >= filter.since) &&
          (statuses === undefined || statuses.includes(r.status)),
      )
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
      );
    const offset = filter.offset ?? 0;
    return runs.slice(offset, offset + (filter.limit ?? 100));
  }

  async updateRun(id: string, patch: RunPatch): Promise<RunSummary | undefined> {
    const current = await this.getRun(id);
    if (!current) return undefined;
    const updated: RunSummary = { ...current, ...patch };
    await this.putJson(this.key(`runs/${id}/summary.json`), updated);
    return updated;
  }

  async deleteRun(id: string): Promise<boolean> {
    const keys = await this.listKeys(this.key(`runs/${id}/`));
    if (keys.length === 0) return false;
    await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    return true;
  }

  async putExperiment(experiment: ExperimentRecord): Promise<void> {
    await this.putJson(this.key(`experiments/${experiment.id}.json`), {
      ...experiment,
      schemaVersion: RUN_RECORD_VERSION,
    });
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const doc = await this.getJson(this.key(`experiments/${id}.json`));
    return doc === undefined ? undefined : upgradeExperimentRecord(doc);
  }

  async listExperiments(options: { limit?: number; offset?: number } = {}): Promise<ExperimentRecord[]> {
    const keys = (await this.listKeys(this.key('experiments/'))).filter((k) => k.endsWith('.json'));
    const docs = await inBatches(keys, 8, (k) => this.getJson(k));
    const list = docs
      .filter((d) => d !== undefined)
      .map((d) => upgradeExperimentRecord(d))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const offset = options.offset ?? 0;
    return list.slice(offset, offset + (options.limit ?? 100));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
