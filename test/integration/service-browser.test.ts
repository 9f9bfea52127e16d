/**
 * `terratower serve` in a real browser: Debian's Chromium (installed with apt-get when missing;
 * Playwright cannot download its own browsers here) driven by playwright-core against the
 * service, which runs the run on a real local twin through terraform.
 *
 * Kept to ONE twin run: a short scenario with a small dataset. The form queues an experiment
 * of two variants × one repetition; the first runs to the end on the twin, the second is
 * cancelled while queued (the cheap half of cancel: nothing deployed). The comparison then
 * shows both, the cancelled one without figures.
 *
 * Screenshots go to $TERRATOWER_SCREENSHOTS when set (kept), else to the test's temp dir.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsFor, steadyState, type ScenarioDefinition } from '../../src/harness/scenarios/definition.ts';
import { startService, type Service } from '../../src/service/index.ts';
import { ensureChromium, launchChromium } from '../support/chromium.ts';

const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const BASELINE = 100;

/** A short scenario for the UI: baseline, load ×2 for 15 s, back to ×1; the steady state before and after. */
const serviceSmoke: ScenarioDefinition = {
  name: 'service-smoke',
  description: 'Load ×2 for 15 s and back: a short run for the service test.',
  baselineLoad: BASELINE,
  warmupSeconds: 5,
  hypothesis: steadyState({ maxLag: 3000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 60,
  method: [
    { kind: 'setLoad', multiplier: 2, label: 'load ×2', pauseAfter: 15 },
    { kind: 'setLoad', multiplier: 1, label: 'load ×1', pauseAfter: 5 },
  ],
  rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
  // Enough for a slow hypothesis-before on a loaded machine; the drain reads what is left.
  dataset: { rows: rowsFor(BASELINE, 100, BASELINE * 15) },
  drain: { stallSeconds: 30 },
};

describe('terratower serve in Chromium, one run on the twin', () => {
  let dir = '';
  let shots = '';
  let service: Service | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let runIds: string[] = [];
  const note = (line: string): void => {
    process.stderr.write(`[service-browser] ${line}\n`);
  };
  const shot = async (name: string): Promise<void> => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    note(`screenshot ${path}`);
  };

  beforeAll(async () => {
    await ensureChromium(note);
    dir = await mkdtemp(join(tmpdir(), 'tt-service-browser-'));
    shots = process.env.TERRATOWER_SCREENSHOTS ?? join(dir, 'screenshots');
    await mkdir(shots, { recursive: true });
    service = await startService({
      port: 0,
      store: join(dir, 'runs.db'),
      tokenFile: join(dir, 'token'),
      reportsDir: join(dir, 'reports'),
      slots: [SLOT],
      extraScenarios: [serviceSmoke],
      log: note,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => note(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    // Aborts a run still in flight: its rollbacks run and the twin is destroyed.
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the API validation errors at the form fields and queues nothing', async () => {
    await page.goto(`${service!.url}/#token=${service!.token}`);
    await page.click('#nav-new');
    await page.fill('#f-name', 'Bad Name');
    await page.fill('#f-repetitions', '0');
    await page.selectOption('#f-scenario', 'service-smoke');
    await page.click('#start');
    await expect.poll(() => page.textContent('[data-error-for="name"]')).toContain('lowercase');
    expect(await page.textContent('[data-error-for="repetitions"]')).toContain('whole number');
    await shot('1-form-errors');
    expect(await service!.store.listRuns()).toEqual([]);
  });

  it('starts an experiment from the form; the run ticks through its steps live and ends with a verdict', async () => {
    await page.fill('#f-name', 'ui-smoke');
    await page.fill('#f-repetitions', '1');
    const overrides = page.locator('.v-overrides');
    await overrides.nth(1).fill('{ "kafka": { "partitions": 12 } }');
    await page.locator('.v-name').nth(1).fill('partitions12');
    await page.click('#start');
    await page.waitForSelector('.queued-run');
    runIds = await page.locator('.queued-run').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
    expect(runIds).toHaveLength(2);
    // One twin run for CI: the second is cancelled while still queued.
    const cancel = await fetch(`${service!.url}/api/runs/${runIds[1]}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service!.token}` },
    });
    expect(cancel.status).toBe(202);
    await shot('2-form-queued');

    await page.click(`a[href="#/run/${runIds[0]}"]`);
    await page.waitForSelector('#steps li', { timeout: 5 * 60_000 });
    // Live: a method step ticking and samples drawn on the charts.
    await page.waitForFunction(() => document.querySelector('#steps')?.textContent?.includes('load ×2'), null, {
      timeout: 10 * 60_000,
      polling: 1000,
    });
    await page.waitForSelector('#chart-throughput path', { timeout: 60_000 });
    await shot('3-run-live');
    await page.waitForSelector('#verdict', { timeout: 15 * 60_000 });
    await shot('4-run-finished');
    const status = await page.textContent('#run-status');
    const run = await service!.store.getRun(runIds[0]!);
    note(`run ${runIds[0]}: ${run?.status}, wall ${run?.wallSeconds} s${run?.error ? `, ${run.error}` : ''}`);
    expect(status).toBe('passed');
    expect(run?.status).toBe('passed');
    expect(run?.figures.lost).toBe(0);
  });

  it('opens the run report from the service', async () => {
    const report = await page.request.get(`${service!.url}/api/runs/${runIds[0]}/report`);
    expect(report.status()).toBe(200);
    expect(await report.text()).toContain('service-smoke');
    const tab = await browser!.newPage();
    await tab.goto(`${service!.url}/api/runs/${runIds[0]}/report`);
    await tab.screenshot({ path: join(shots, '5-report.png'), fullPage: true });
    await tab.close();
  });

  it('picks the two runs in the list and compares them', async () => {
    await page.goto(`${service!.url}/#/`);
    for (const id of runIds) await page.check(`tr[data-run="${id}"] input[type=checkbox]`);
    await page.click('#compare');
    await page.waitForSelector('#compare-table');
    const table = await page.textContent('#compare-table');
    expect(table).toContain('partitions12');
    expect(table).toContain('cancelled');
    expect(table).toContain('time to detect');
    await shot('6-compare');
    // The experiment layer's comparison report for the picked runs.
    const href = await page.getAttribute('#comparison-report', 'href');
    const tab = await browser!.newPage();
    const res = await tab.goto(`${service!.url}${href}`);
    expect(res?.status()).toBe(200);
    expect(await tab.content()).toContain(runIds[0]);
    await tab.screenshot({ path: join(shots, '7-comparison-report.png'), fullPage: true });
    await tab.close();
  });
});
