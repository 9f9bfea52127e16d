/**
 * A moto server for testing AWS SDK calls over real HTTP: the project's installer provides the
 * binary (src/twin/install), this starts it on a free loopback port in its own process group
 * and stops it by that group.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { installMoto } from '../twin/install/moto.ts';
import { motoServerBin } from '../twin/install/index.ts';
import { sleep } from '../support/time.ts';
import { stopGracefully } from '../support/process.ts';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`. */
  endpoint: string;
  pid: number;
  /** Kill its process group and wait for it to exit. */
  stop(): Promise<void>;
}

/** A free TCP port on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Install moto if needed (cached after the first time), start it, wait until it answers. */
export async function startMoto(
  options: { host?: string; onProgress?: (line: string) => void } = {},
): Promise<MotoServer> {
  const host = options.host ?? '127.0.0.1';
  let bin: string;
  try {
    bin = motoServerBin();
  } catch {
    await installMoto(options.onProgress ?? ((line) => process.stderr.write(`${line}\n`)));
    bin = motoServerBin();
  }
  const port = await freePort(host);
  const child = spawn(bin, ['-H', host, '-p', String(port)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  const stop = async (): Promise<void> => {
    // moto runs in its own process group (detached): stop the group, then reap the child.
    await stopGracefully(pid, 5000, { group: true });
    await exited;
  };
  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
    }
    await sleep(200);
  }
  return { endpoint, pid, stop };
}
