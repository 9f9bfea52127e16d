#!/usr/bin/env node
// `npm test`: every tier in order, stopping at the first that fails, then a table of each tier's
// wall time (also when one failed), so a slow tier shows up in every CI log.
//
// A tier is one command, or lanes run side by side: the integration tier runs the files that boot
// a twin (output live) beside the files that do not (output printed when the lane ends), since the
// twin files alone leave about a third of the 2 cores idle. The scenarios run alone: their checks
// time the pipeline, and beside the other files they ran a minute slower for no gain in total.
//
//   node scripts/test-tiers.mjs [tier ...]     # e.g. `build typecheck lint unit` for the fast ones
import { spawn } from 'node:child_process';

/** @typedef {{ name: string, command: string[], afterPrepare?: boolean, aside?: boolean }} Lane */
/** @type {{ name: string, lanes: Lane[] }[]} */
const TIERS = [
  // The CLI, the twin's daemon and the apps run compiled code: build before anything runs them.
  tier('build', ['npm', 'run', '--silent', 'build']),
  tier('typecheck', ['npm', 'run', '--silent', 'typecheck']),
  tier('lint', ['npm', 'run', '--silent', 'lint']),
  // Four files at a time on two cores (Vitest's default there is one): much of the unit tier
  // waits on timers. A command-line flag, since `maxWorkers` in the config would also override the
  // integration projects' one file at a time.
  tier('unit', ['npx', 'vitest', 'run', '--project', 'unit', '--maxWorkers=4']),
  // dist/ and every real part the next tiers start (jars, moto, terraform, packer, Go tools), once,
  // so the lanes below do not build or install at the same time.
  tier('prepare', ['node', '--import', 'tsx', 'test/integration/prepare.ts']),
  {
    name: 'integration',
    lanes: [
      { name: 'twin files', command: ['npx', 'vitest', 'run', '--project', 'integration'], afterPrepare: true },
      {
        name: 'files beside',
        // Not niced: a moto server starved behind the twin answered so late that the AWS provider
        // retried an attach that had gone through (Resource.AlreadyAssociated).
        command: ['npx', 'vitest', 'run', '--project', 'integration-aside'],
        afterPrepare: true,
        aside: true,
      },
    ],
  },
  {
    name: 'scenarios',
    lanes: [{ name: 'scenarios', command: ['npx', 'vitest', 'run', '--project', 'scenarios'], afterPrepare: true }],
  },
];

function tier(name, command) {
  return { name, lanes: [{ name, command }] };
}

/** Run one lane; an aside lane's output is kept and printed when it ends, under a header. */
function runLane(lane) {
  const started = Date.now();
  const [command, ...args] = lane.command;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: lane.aside ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      // Vitest's global setup skips building and installing when this run's prepare tier did it
      // (and does it itself when the tier was not asked for).
      env: { ...process.env, ...(lane.afterPrepare && prepared ? { TERRATOWER_TESTS_PREPARED: '1' } : {}) },
    });
    const chunks = [];
    child.stdout?.on('data', (c) => chunks.push(c));
    child.stderr?.on('data', (c) => chunks.push(c));
    const done = (status) => {
      const seconds = (Date.now() - started) / 1000;
      if (lane.aside) {
        process.stdout.write(`\n== ${lane.name} (ran beside the others): ${lane.command.join(' ')}\n`);
        process.stdout.write(Buffer.concat(chunks));
      }
      resolve({ lane: lane.name, seconds, status });
    };
    child.once('error', (error) => {
      chunks.push(Buffer.from(`${error.message}\n`));
      done(`error: ${error.message}`);
    });
    child.once('close', (code, signal) => done(code ?? signal));
  });
}

const only = process.argv.slice(2);
const results = [];
let failed;
let prepared = false;
for (const { name, lanes } of TIERS) {
  // The tiers that run vitest on real parts bring the prepare tier with them.
  const wanted =
    only.includes(name) || (name === 'prepare' && only.some((t) => t === 'integration' || t === 'scenarios'));
  if (only.length > 0 && !wanted) continue;
  for (const lane of lanes)
    process.stdout.write(`\n== ${name}${lanes.length > 1 ? ` (${lane.name})` : ''}: ${lane.command.join(' ')}\n`);
  const started = Date.now();
  // Every lane runs to its end, also when another fails: each cleans up after itself.
  const ran = await Promise.all(lanes.map(runLane));
  const seconds = (Date.now() - started) / 1000;
  const bad = ran.filter((r) => r.status !== 0);
  results.push({ name, seconds, ok: bad.length === 0, lanes: lanes.length > 1 ? ran : [] });
  if (name === 'prepare' && bad.length === 0) prepared = true;
  if (bad.length > 0) {
    failed = `${name} failed (${bad.map((r) => `${r.lane}: exit ${r.status}`).join('; ')})`;
    break;
  }
}

const total = results.reduce((sum, r) => sum + r.seconds, 0);
const fmt = (s) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
process.stdout.write('\ntier            wall time      result\n');
for (const r of results) {
  process.stdout.write(`${r.name.padEnd(16)}${fmt(r.seconds).padEnd(15)}${r.ok ? 'ok' : 'FAILED'}\n`);
  for (const l of r.lanes)
    process.stdout.write(`  ${l.lane.padEnd(14)}${fmt(l.seconds).padEnd(15)}${l.status === 0 ? 'ok' : 'FAILED'}\n`);
}
process.stdout.write(`${'total'.padEnd(16)}${fmt(total).padEnd(15)}${failed ?? 'ok'}\n`);
process.exitCode = failed ? 1 : 0;
