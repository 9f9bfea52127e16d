/**
 * A scenario's dataset uploaded as the load needs it, in small chunks, instead of all at once.
 *
 * A dataset uploaded whole must be sized for the slowest run (every step taking its full time),
 * and whatever the run did not use is pushed through the pipeline flat out before the ledger:
 * 20–60 s of every run on the 2-core machine. A feed keeps a lead of data ahead of what the
 * producers can have produced, so the drain has only that lead left to push.
 *
 * What the producers can have produced is bounded by the load: the producer fleet sends at most
 * the load set (its rate limiter allows a burst of 0.2 s). The feed integrates the load over time
 * and keeps `leadSeconds` of the current load (a chunk at least) uploaded beyond that bound.
 * The producers re-list the bucket after every pass over it, so a new chunk is picked up as soon
 * as the one before is done. The ledger is computed over the chunks uploaded: `finish` stops the
 * uploads and describes exactly those.
 *
 * Each chunk is a dataset of its own (one object, its own seed `<tag>-<n>`, so its record ids are
 * `OP-<tag>-<n>-<i>` and share the ledger's id prefix `OP-<tag>-`), under `<tag>/c<nnnn>/`: the
 * producers list chunks in upload order.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../../model/target.ts';
import type { DatasetRef } from '../engine/run.ts';
import { generateDataset } from './generate.ts';
import type { DatasetManifest } from './manifest.ts';
import { datasetScope } from './prepare.ts';

/**
 * Seconds of the current load kept uploaded ahead of what the producers can have produced (and a
 * chunk at least, so the next object is there when a producer finishes one). The bound is an upper
 * one, so the lead only has to cover an upload.
 */
export const FEED_LEAD_SECONDS = 5;
/** How often the feed checks whether the next chunk is due, ms. */
const TICK_MS = 500;

/** Options of a `DatasetFeed`. */
export interface DatasetFeedOptions {
  /** Where the chunks go. */
  target: Pick<Target, 'uploadDataset'>;
  /** The dataset's tag: the S3 sub-prefix and the chunks' seed prefix (letters, digits, hyphens). */
  tag: string;
  /** Scratch directory for the chunks (the caller removes it). */
  dir: string;
  /** The spec's dataset prefix (where the producers list). */
  prefix: string;
  /** Rows at most, over all chunks: the dataset the scenario is sized for in its slowest run. */
  maxRows: number;
  /** Rows per chunk (one object each). */
  chunkRows: number;
  /** Fraction of malformed rows in each chunk. @default 0.005 */
  malformedFraction?: number;
  /** Seconds of load kept ahead. @default FEED_LEAD_SECONDS */
  leadSeconds?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What the feed uploaded, for the ledger. */
export type FedDataset = DatasetRef & {
  /** Rows uploaded. */
  rows: number;
  /** Chunks uploaded. */
  chunks: number;
};

/** A dataset uploaded chunk by chunk as the load needs it. */
export class DatasetFeed {
  private readonly lead: number;
  private rate = 0;
  private rateSince = Date.now();
  /** Rows the producers can have produced by `rateSince` at most (0 rate: unlimited). */
  private bound = 0;
  private readonly chunks: { dir: string; manifest: DatasetManifest }[] = [];
  private uploadedRows = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError: string | undefined;
  private finished: Promise<FedDataset> | undefined;

  constructor(private readonly o: DatasetFeedOptions) {
    if (!(o.chunkRows >= 1 && o.maxRows >= 1))
      throw new Error(`a dataset feed needs chunkRows and maxRows of at least 1, got ${o.chunkRows} and ${o.maxRows}`);
    const lastSeed = `${o.tag}-${Math.ceil(o.maxRows / o.chunkRows) - 1}`;
    if (lastSeed.length > 32)
      throw new Error(
        `dataset tag "${o.tag}" is too long for a fed dataset: its chunks' seeds (up to "${lastSeed}") must be at most 32 characters; use a tag of at most ${32 - (lastSeed.length - o.tag.length)}`,
      );
    this.lead = o.leadSeconds ?? FEED_LEAD_SECONDS;
  }

  /**
   * Upload the first chunks for `recordsPerSecond` (0: unlimited, so every row) and keep
   * uploading as the load goes on. Resolves once the first chunks are in the bucket.
   */
  async start(recordsPerSecond: number): Promise<void> {
    this.loadChanged(recordsPerSecond);
    this.running = this.topUp();
    await this.running.finally(() => {
      this.running = undefined;
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** The producer fleet's load changed to `recordsPerSecond` (0: unlimited). */
  loadChanged(recordsPerSecond: number): void {
    if (this.stopped) return;
    this.advance();
    this.rate = recordsPerSecond;
  }

  /**
   * Stop uploading, wait for an upload in flight, and describe every chunk uploaded: valid ids,
   * content (latest version and digest per id) and malformed rows, merged into `dir`. Safe to
   * call more than once.
   */
  finish(): Promise<FedDataset> {
    this.finished ??= this.stopAndDescribe();
    return this.finished;
  }

  private async stopAndDescribe(): Promise<FedDataset> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    const validIdsFile = join(this.o.dir, 'fed-valid-ids.txt');
    const contentFile = join(this.o.dir, 'fed-content.tsv');
    await writeFile(validIdsFile, '');
    await writeFile(contentFile, '');
    let malformed = 0;
    for (const { dir, manifest } of this.chunks) {
      malformed += manifest.malformedCount;
      await appendFile(validIdsFile, await readFile(join(dir, manifest.validIdsFile)));
      if (manifest.contentFile) await appendFile(contentFile, await readFile(join(dir, manifest.contentFile)));
    }
    this.o.log?.(
      `dataset: ${this.uploadedRows} rows uploaded in ${this.chunks.length} chunks as the load needed them (sized for ${this.o.maxRows})`,
    );
    return {
      validIdsFile,
      contentFile,
      malformed,
      ...datasetScope(this.o.tag, this.o.prefix),
      rows: this.uploadedRows,
      chunks: this.chunks.length,
    };
  }

  /** Move the bound on what was produced up to now. */
  private advance(): void {
    const now = Date.now();
    this.bound += (this.rate * (now - this.rateSince)) / 1000;
    this.rateSince = now;
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.topUp()
      .then(() => {
        this.lastError = undefined;
      })
      .catch((error: unknown) => {
        // Retried on the next tick; said once per distinct failure.
        const message = (error as Error).message;
        if (message !== this.lastError) this.o.log?.(`dataset: uploading the next chunk failed, retrying: ${message}`);
        this.lastError = message;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Upload chunks until the lead is covered (or every row is uploaded). */
  private async topUp(): Promise<void> {
    this.advance();
    const ahead = Math.max(this.rate * this.lead, this.o.chunkRows);
    const need = this.rate <= 0 ? this.o.maxRows : Math.min(this.o.maxRows, this.bound + ahead);
    while (!this.stopped && this.uploadedRows < need) await this.uploadChunk();
  }

  private async uploadChunk(): Promise<void> {
    const n = this.chunks.length;
    const name = `c${String(n).padStart(4, '0')}`;
    const dir = join(this.o.dir, name);
    const manifest = await generateDataset({
      rows: Math.min(this.o.chunkRows, this.o.maxRows - this.uploadedRows),
      objects: 1,
      malformedFraction: this.o.malformedFraction ?? 0.005,
      seed: `${this.o.tag}-${n}`,
      outDir: dir,
    });
    await this.o.target.uploadDataset(dir, `${this.o.tag}/${name}/`);
    this.chunks.push({ dir, manifest });
    this.uploadedRows += manifest.rows;
  }
}
