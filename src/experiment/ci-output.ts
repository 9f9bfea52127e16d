/**
 * What CI systems read: JUnit XML (one test case per run, and one per gate, so CI UIs list them)
 * and a markdown summary for GitHub's step summary (`$GITHUB_STEP_SUMMARY`).
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunSummary } from '../store/index.ts';
import type { Comparison } from './compare.ts';
import type { GateResult } from './gate.ts';
import { formatValue } from './stats.ts';

function xml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** JUnit XML: a suite of runs (grouped by experiment variant or scenario) and a suite of gates. */
export function junitXml(o: { name: string; runs: readonly RunSummary[]; gates?: readonly GateResult[] }): string {
  const suites: string[] = [];
  const byGroup = new Map<string, RunSummary[]>();
  for (const r of o.runs) {
    const key = r.experiment ? `${r.experiment.name}.${r.experiment.variant}` : r.scenario;
    byGroup.set(key, [...(byGroup.get(key) ?? []), r]);
  }
  for (const [group, runs] of byGroup) {
    const failures = runs.filter((r) => r.status === 'failed').length;
    const errors = runs.filter((r) => r.status !== 'passed' && r.status !== 'failed').length;
    const time = runs.reduce((s, r) => s + (r.wallSeconds ?? 0), 0);
    const cases = runs
      .map((r) => {
        const name = `${r.scenario}${r.experiment ? ` #${r.experiment.repetition}` : ''} (${r.id})`;
        const body =
          r.status === 'passed'
            ? ''
            : r.status === 'failed'
              ? `<failure message="${xml(r.error ?? 'hypothesis or ledger failed')}">${xml(`report: ${r.reportHtml ?? '—'}`)}</failure>`
              : `<error message="${xml(`${r.status}: ${r.error ?? ''}`)}"/>`;
        return `    <testcase classname="${xml(`terratower.${group}`)}" name="${xml(name)}" time="${(r.wallSeconds ?? 0).toFixed(1)}">${body}</testcase>`;
      })
      .join('\n');
    suites.push(
      `  <testsuite name="${xml(group)}" tests="${runs.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(1)}">\n${cases}\n  </testsuite>`,
    );
  }
  if (o.gates && o.gates.length > 0) {
    const failures = o.gates.filter((g) => g.failed).length;
    const cases = o.gates
      .map(
        (g) =>
          `    <testcase classname="terratower.gates" name="${xml(g.gate.text)}" time="0">${g.failed ? `<failure message="${xml(g.summary)}"/>` : ''}<system-out>${xml(g.summary)}</system-out></testcase>`,
      )
      .join('\n');
    suites.push(
      `  <testsuite name="gates" tests="${o.gates.length}" failures="${failures}" errors="0">\n${cases}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(o.name)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A markdown summary: verdicts per metric, gates, runs. */
export function markdownSummary(o: {
  title: string;
  comparison?: Comparison;
  gates?: readonly GateResult[];
  runs: readonly RunSummary[];
  reportPath?: string;
}): string {
  const lines: string[] = [`## terratower: ${md(o.title)}`, ''];
  if (o.gates && o.gates.length > 0) {
    const failed = o.gates.filter((g) => g.failed).length;
    lines.push(
      failed ? `**${failed} of ${o.gates.length} gate(s) failed.**` : `All ${o.gates.length} gate(s) passed.`,
      '',
    );
    for (const g of o.gates) lines.push(`- ${g.failed ? '❌' : '✅'} ${md(g.summary)}`);
    lines.push('');
  }
  const c = o.comparison;
  if (c && c.metrics.length > 0) {
    lines.push(`| metric | ${c.groups.map((g) => `${md(g.name)} median [95 % CI] (n)`).join(' | ')} | verdict |`);
    lines.push(`|---|${c.groups.map(() => '---:').join('|')}|---|`);
    for (const m of c.metrics) {
      const cells = m.variants.map((v) =>
        v.estimate
          ? `${formatValue(v.estimate.median, m.metric.unit)} [${formatValue(v.estimate.low, m.metric.unit)}, ${formatValue(v.estimate.high, m.metric.unit)}] (${v.estimate.n})`
          : '—',
      );
      lines.push(
        `| ${md(m.metric.label)} | ${cells.map(md).join(' | ')} | ${md(m.differences.map((d) => d.verdict).join('; '))} |`,
      );
    }
    lines.push('');
    const flagged = c.fairness.filter((f) => f.differs && !f.byDesign);
    if (flagged.length) lines.push(`⚠️ Not like for like: ${flagged.map((f) => md(f.fact)).join(', ')} differ.`, '');
  }
  const passed = o.runs.filter((r) => r.status === 'passed').length;
  lines.push(`Runs: ${o.runs.length} (${passed} passed, ${o.runs.length - passed} not).`);
  if (o.reportPath) lines.push('', `Report: \`${o.reportPath}\``);
  return `${lines.join('\n')}\n`;
}

/** Write `text` to `file` (creating its directory). */
export async function writeText(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** Append the summary to `$GITHUB_STEP_SUMMARY` when set (GitHub Actions); returns whether it did. */
export async function appendStepSummary(text: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await appendFile(file, text);
  return true;
}
