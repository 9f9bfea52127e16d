/** Runs one of the packer/scripts installers, relaying its output as progress lines. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKER_DIR } from '../../support/paths.ts';

/** Receives one human-readable progress line. */
export type ProgressFn = (line: string) => void;

/** Run `packer/scripts/<script> --prefix <prefix>`; resolves when it exits 0, else throws with its output tail. */
export async function runInstallScript(script: string, prefix: string, onProgress: ProgressFn): Promise<void> {
  const path = join(PACKER_DIR, 'scripts', script);
  const child = spawn('bash', [path, '--prefix', prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      const clean = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
      if (clean === '') continue;
      tail.push(clean);
      if (tail.length > 30) tail.shift();
      onProgress(clean);
    }
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const code = await new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolveExit(status ?? 1));
  });
  if (code !== 0) {
    throw new Error(`${script} --prefix ${prefix} failed (exit ${code}):\n${tail.join('\n')}`);
  }
}
