/**
 * The producers' progress reader: one that crashed for good is replaced on the next catch-up, and
 * what it had read is kept. kafkajs stands in as a small stub: this checks the store's own logic
 * (when it gives up on a reader and starts another), not Kafka; apps-pipeline runs it on the twin.
 */
import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ProgressStore } from '../../apps/producer/progress.ts';
import { createLogger } from '../../apps/shared/log.ts';

type Handler = (event: { payload: { error: Error; restart: boolean } }) => void;
type EachMessage = (m: { partition: number; message: { offset: string; key: Buffer; value: Buffer } }) => Promise<void>;

/** A reader as the store uses it: events, connect, subscribe, run, disconnect. */
class StubReader {
  readonly events = { CRASH: 'consumer.crash' };
  handlers = new Map<string, Handler>();
  eachMessage: EachMessage | undefined;
  disconnected = false;
  on(event: string, handler: Handler): void {
    this.handlers.set(event, handler);
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(options: { eachMessage: EachMessage }): Promise<void> {
    this.eachMessage = options.eachMessage;
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
  crash(restart: boolean): void {
    this.handlers.get(this.events.CRASH)?.({ payload: { error: new Error('boom'), restart } });
  }
  async deliver(offset: number, key: string, line: number): Promise<void> {
    const value = { line, done: false, member: 'p-1', time: '2026-11-29T00:00:00Z' };
    await this.eachMessage!({
      partition: 0,
      message: { offset: String(offset), key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)) },
    });
  }
}

function store(high: { value: number }) {
  const readers: StubReader[] = [];
  const kafka = {
    consumer: () => {
      const r = new StubReader();
      readers.push(r);
      return r;
    },
  } as unknown as Kafka;
  const admin = {
    listTopics: async () => ['t.progress'],
    fetchTopicOffsets: async () => [{ partition: 0, high: String(high.value), low: '0', offset: String(high.value) }],
  } as unknown as Admin;
  const log = createLogger({ app: 'producer', member: 'p-1' }, () => {});
  return { progress: new ProgressStore(kafka, admin, 't.progress', 'p-1', log), readers };
}

describe('the progress reader', () => {
  it('is replaced after a crash kafkajs will not restart, keeping the checkpoints read', async () => {
    const high = { value: 1 };
    const { progress, readers } = store(high);
    await progress.start(3);
    await readers[0]!.deliver(0, 'a.csv#e1', 10);
    await progress.catchUp(50);
    expect(progress.get('a.csv', 'e1')?.line).toBe(10);

    // Crashed for good: the next catch-up starts a new reader from the beginning at once, and lets the old one go.
    readers[0]!.crash(false);
    high.value = 2;
    const next = progress.catchUp(2000);
    await new Promise((r) => setTimeout(r, 20));
    expect(readers).toHaveLength(2);
    expect(readers[0]!.disconnected).toBe(true);
    await readers[1]!.deliver(0, 'a.csv#e1', 10);
    await readers[1]!.deliver(1, 'b.csv#e1', 5);
    await next;
    expect([progress.get('a.csv', 'e1')?.line, progress.get('b.csv', 'e1')?.line]).toEqual([10, 5]);
  });

  it('fails a catch-up its reader crashed during, and replaces the reader on the next', async () => {
    const high = { value: 1 };
    const { progress, readers } = store(high);
    await progress.start(3);
    const waiting = expect(progress.catchUp(2000)).rejects.toThrow(/its reader crashed/);
    readers[0]!.crash(false);
    await waiting;
    const next = progress.catchUp(2000);
    await new Promise((r) => setTimeout(r, 20));
    expect(readers).toHaveLength(2);
    await readers[1]!.deliver(0, 'a.csv#e1', 3);
    await next;
  });

  it('keeps a reader that kafkajs restarts itself', async () => {
    const high = { value: 1 };
    const { progress, readers } = store(high);
    await progress.start(3);
    readers[0]!.crash(true);
    await readers[0]!.deliver(0, 'a.csv#e1', 3);
    await progress.catchUp(50);
    expect(readers).toHaveLength(1);
  });

  it('is replaced after a catch-up that timed out', async () => {
    const { progress, readers } = store({ value: 1 });
    await progress.start(3);
    await expect(progress.catchUp(30)).rejects.toThrow(/not read up to its end after 30 ms/);
    const next = progress.catchUp(2000);
    await new Promise((r) => setTimeout(r, 20));
    expect(readers).toHaveLength(2);
    await readers[1]!.deliver(0, 'a.csv#e1', 3);
    await next;
  });
});
