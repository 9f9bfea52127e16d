/**
 * The web UI in Chromium (playwright-core) against a real `terratower serve` server and store,
 * with a stand-in run instead of a twin so it takes seconds: the run is fed through the same
 * path a twin run takes (queue → live view → event stream → store), emitting steps, samples and
 * a load event. What it checks is the UI: validation errors at the fields, the live view
 * ticking, the verdict, the list, picking runs and the comparison. The twin run end to end in
 * the browser is service-browser.test.ts.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunExecutor } from '../../src/service/queue.ts';
import { startService, type Service } from '../../src/service/index.ts';
import { ensureChromium, launchChromium } from '../support/chromium.ts';

/** A stand-in run: the scenario's phases as progress lines, a sample every 50 ms, a load event. */
const standIn: RunExecutor = async (run, { live, signal }) => {
  live.line('terraform apply: stand-in');
  live.line(`${run.scenario}: baseline 100/s, warm-up 5s`);
  live.line('steady-state hypothesis (before)');
  live.line('step 1/2: load ×2');
  for (let t = 0; t < 60 && !signal.aborted; t++) {
    const spike = t > 15 && t < 35;
    live.sample({
      t,
      produced: spike ? 200 : 100,
      consumed: spike ? 180 : 98,
      lag: spike ? 400 : 40,
      errors: 0,
      deadLettered: 0,
      cpu: {},
      groups: {},
    });
    if (t === 15) live.event({ t: 15_000, time: new Date().toISOString(), kind: 'load', label: 'load 200/s' });
    if (t === 35) live.line('step 2/2: load ×1');
    await new Promise((r) => setTimeout(r, 50));
  }
  return signal.aborted ? { status: 'interrupted' } : { status: 'passed' };
};

describe('terratower serve: the web UI in Chromium', () => {
  let dir = '';
  let service: Service | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    await ensureChromium((l) => process.stderr.write(`[service-ui] ${l}\n`));
    dir = await mkdtemp(join(tmpdir(), 'tt-service-ui-'));
    await mkdir(join(dir, 'shots'));
    service = await startService({
      port: 0,
      store: join(dir, 'runs.db'),
      tokenFile: join(dir, 'token'),
      reportsDir: join(dir, 'reports'),
      executor: standIn,
      cleanup: async () => 'nothing',
      log: () => undefined,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes the token from the URL fragment and shows validation errors at the fields', async () => {
    await page.goto(`${service!.url}/#token=${service!.token}`);
    expect(page.url()).not.toContain(service!.token);
    await page.click('#nav-new');
    await page.fill('#f-name', 'Bad Name');
    await page.fill('#f-repetitions', '0');
    await page.locator('.v-overrides').nth(1).fill('{ "kafka": { "replicationFactor": 7 } }');
    await page.click('#start');
    await page.waitForSelector('[data-error-for="name"] .issue');
    expect(await page.textContent('[data-error-for="repetitions"]')).toContain('whole number');
    expect(await page.locator('.variant').nth(1).locator('.v-error').textContent()).toContain(
      'variants.rf2.kafka.replicationFactor',
    );
    expect(await service!.store.listRuns()).toEqual([]);
  });

  it('queues from the form, follows the run live to its verdict, lists and compares', async () => {
    await page.fill('#f-name', 'ui-check');
    await page.fill('#f-repetitions', '1');
    await page.locator('.v-overrides').nth(1).fill('{ "kafka": { "partitions": 12 } }');
    await page.locator('.v-name').nth(1).fill('partitions12');
    await page.click('#start');
    await page.waitForSelector('.queued-run');
    const ids = await page.locator('.queued-run').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
    expect(ids).toHaveLength(2);
    await page.click(`a[href="#/run/${ids[0]}"]`);
    await page.waitForSelector('#chart-throughput path');
    expect(await page.textContent('#steps')).toContain('load ×2');
    await page.waitForSelector('#verdict');
    expect(await page.textContent('#run-status')).toBe('passed');
    // The chart holds the streamed samples.
    expect(await page.locator('#chart-throughput path').count()).toBe(2);
    await page.screenshot({ path: join(dir, 'shots', 'run.png') });

    await page.goto(`${service!.url}/#/`);
    await page.waitForSelector(`tr[data-run="${ids[1]}"] .status-passed`, { timeout: 20_000 });
    for (const id of ids) await page.check(`tr[data-run="${id}"] input[type=checkbox]`);
    await page.click('#compare');
    await page.waitForSelector('#compare-table');
    expect(await page.textContent('#compare-table')).toContain('partitions12');
    const href = await page.getAttribute('#comparison-report', 'href');
    const res = await page.request.get(`${service!.url}${href}`);
    expect(res.status()).toBe(200);
    expect(await res.text()).toContain(ids[1]);
    expect(errors).toEqual([]);
  });
});
