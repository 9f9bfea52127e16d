/** The moto S3 server (`moto[server]` from PyPI) in a venv under the cache dir. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../support/paths.ts';
import { readVersions } from '../../support/versions.ts';
import { requireTool } from './prereqs.ts';
import type { ProgressFn } from './run-script.ts';

/** Directory of the venv for the pinned moto version. */
export function motoPrefix(): string {
  return join(cacheDir(), 'moto', readVersions().moto);
}

/** Path of the `moto_server` executable; throws with the fix when not installed. */
export function motoServerBin(): string {
  const bin = join(motoPrefix(), 'venv', 'bin', 'moto_server');
  if (!existsSync(join(motoPrefix(), '.terratower-installed')) || !existsSync(bin)) {
    throw new Error(
      `moto is not installed in ${motoPrefix()}; run the installer (terratower local up installs it, or installTwinComponents())`,
    );
  }
  return bin;
}

async function run(command: string, args: string[], onProgress: ProgressFn): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const relay = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (/^(Collecting|Successfully|ERROR)/.test(line)) onProgress(`moto: ${line.trim()}`);
    }
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  const code = await new Promise<number>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolveExit(status ?? 1));
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`);
}

/** Create the venv and install `moto[server]==MOTO_VERSION` unless already there. */
export async function installMoto(onProgress: ProgressFn): Promise<void> {
  const version = readVersions().moto;
  const prefix = motoPrefix();
  const marker = join(prefix, '.terratower-installed');
  const stamp = `moto[server]==${version}`;
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === stamp) return;
  requireTool('python3');
  onProgress(`moto: installing moto[server]==${version} from PyPI into ${prefix}/venv (first run only, ~40 s)`);
  mkdirSync(prefix, { recursive: true });
  const venv = join(prefix, 'venv');
  // A venv's scripts carry its absolute path, so it is built in place; the marker says it is whole.
  rmSync(venv, { recursive: true, force: true });
  try {
    await run('python3', ['-m', 'venv', venv], onProgress);
  } catch (error) {
    throw new Error(
      `python3 -m venv failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv)\n${(error as Error).message}`,
    );
  }
  await run(join(venv, 'bin', 'pip'), ['install', '--quiet', `moto[server]==${version}`], onProgress);
  writeFileSync(`${marker}.tmp`, `${stamp}\n`);
  renameSync(`${marker}.tmp`, marker);
  onProgress(`moto: ready (${join(venv, 'bin', 'moto_server')})`);
}
