/**
 * When a twin test fails, the twin's run dir (and its member logs) goes with teardown: print the
 * members' last error lines first, so a failure in CI says what the brokers and nodes saw.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The last `max` ERROR/Exception lines (with their file) of every member log under `<runDir>/logs`,
 * and the apps' warnings: an app that recovers from something (a progress reader replaced, a
 * claims group rejoined) says so at warn level.
 */
export async function memberLogErrors(runDir: string, max = 30): Promise<string[]> {
  const dir = join(runDir, 'logs');
  const files = await readdir(dir).catch(() => [] as string[]);
  const lines: string[] = [];
  for (const file of files.sort()) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    const errors = text.split('\n').filter((l) => /\bERROR\b|Exception|"level":"(error|warn)"/.test(l));
    for (const l of errors.slice(-max)) lines.push(`${file}: ${l.slice(0, 400)}`);
  }
  return lines.slice(-max * 3);
}
