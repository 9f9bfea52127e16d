/** Writes a run's `report.json` and `report.html` into its output directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioResult } from '../engine/result.ts';
import { renderHtml } from './html.ts';
import type { ReportData } from './model.ts';

/** Build the report's data from a run's result. */
export function reportData(
  result: Omit<ScenarioResult, 'reportJson' | 'reportHtml'>,
  extra: { hypothesis: string[]; zones: string[] },
): ReportData {
  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    scenario: result.scenario,
    description: result.journal.description,
    target: result.target,
    runId: result.runId,
    passed: result.passed,
    hypothesisHeld: result.hypothesisHeld,
    hypothesis: extra.hypothesis,
    zones: extra.zones,
    journal: result.journal,
    ledger: result.ledger,
    ...(result.ledgerError !== undefined ? { ledgerError: result.ledgerError } : {}),
    recovery: result.recovery,
    ...(result.latency !== undefined ? { latency: result.latency } : {}),
    events: result.events,
    series: result.series,
    drained: result.drained,
    samplerErrors: result.samplerErrors,
    wallSeconds: result.wallSeconds,
    ...(result.healthChecks ? { healthChecks: result.healthChecks } : {}),
  };
}

/** Write both files; returns their paths. */
export async function writeReport(
  result: Omit<ScenarioResult, 'reportJson' | 'reportHtml'>,
  dir: string,
  extra: { hypothesis: string[]; zones: string[] },
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const data = reportData(result, extra);
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, `${JSON.stringify(data, null, 2)}\n`);
  await writeFile(html, renderHtml(data));
  return { json, html };
}
