#!/usr/bin/env node
// `npm test`: every tier in order, stopping at the first that fails, then a table of each tier's
// wall time (also when one failed), so a slow tier shows up in every CI log.
import { spawnSync } from 'node:child_process';

const TIERS = [
  // The CLI, the twin's daemon and the apps run compiled code: build before anything runs them.
  ['build', ['npm', 'run', '--silent', 'build']],
  ['typecheck', ['npm', 'run', '--silent', 'typecheck']],
  ['lint', ['npm', 'run', '--silent', 'lint']],
  ['unit', ['npx', 'vitest', 'run', '--project', 'unit']],
  ['integration', ['npx', 'vitest', 'run', '--project', 'integration']],
  ['scenarios', ['npx', 'vitest', 'run', '--project', 'scenarios']],
];

const only = process.argv.slice(2);
const results = [];
let failed;
for (const [name, [command, ...args]] of TIERS) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`\n== ${name}: ${[command, ...args].join(' ')}\n`);
  const started = Date.now();
  const run = spawnSync(command, args, { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  const ok = run.status === 0;
  results.push({ name, seconds, ok });
  if (!ok) {
    failed = `${name} failed (exit ${run.status ?? run.signal})`;
    break;
  }
}

const total = results.reduce((sum, r) => sum + r.seconds, 0);
const fmt = (s) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
process.stdout.write('\ntier          wall time      result\n');
for (const r of results)
  process.stdout.write(`${r.name.padEnd(14)}${fmt(r.seconds).padEnd(15)}${r.ok ? 'ok' : 'FAILED'}\n`);
process.stdout.write(`${'total'.padEnd(14)}${fmt(total).padEnd(15)}${failed ?? 'ok'}\n`);
process.exitCode = failed ? 1 : 0;
