/**
 * The producer bundle runs kafkajs with our replacements: kafkajs stays outside the bundle (the
 * replacements sit in Node's module cache under the installed kafkajs's file names, which a
 * bundled copy would never read), and the bundle, started, installs both without a warning.
 * Builds the bundle with the options `npm run build` uses, into a scratch dir in the checkout
 * (so it resolves this node_modules, as dist/bundle does).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { producerEnv } from '../../apps/shared/config.ts';
import { appBundleOptions } from '../../scripts/bundle-options.mjs';
import { REPO_ROOT } from '../../src/support/paths.ts';

mkdirSync(join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
const work = mkdtempSync(join(REPO_ROOT, 'node_modules', '.cache', 'tt-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('the producer bundle', () => {
  const outfile = join(work, 'producer.mjs');

  it('leaves kafkajs external and starts with both kafkajs replacements installed', async () => {
    const result = await build({
      ...appBundleOptions(REPO_ROOT, 'producer', outfile),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes('apps/producer/kafkajs-record.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('node_modules/kafkajs/'))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports);
    expect(imports).toContainEqual(expect.objectContaining({ path: 'kafkajs', external: true }));

    const port = await freePort();
    const env = producerEnv({
      memberId: 'bundle-test',
      zone: 'test-a',
      kafkaBrokers: ['127.0.0.1:1'],
      topic: 't',
      deadLetterTopic: 'dlq',
      httpHost: '127.0.0.1',
      httpPort: port,
      s3Endpoint: 'http://127.0.0.1:1',
      region: 'eu-west-1',
      bucket: 'b',
      prefix: 'p',
      ratePerSecond: 0,
    });
    const child = spawn(process.execPath, [outfile], {
      env: { ...process.env, ...env, TT_LOG_LEVEL: 'info', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "starting" line in 15 s:\n${out}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('"msg":"starting"')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`the bundle exited ${code}:\n${out}`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
    const messages = out
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('starting');
    expect(messages.filter((m) => m.includes('not replaced'))).toEqual([]);
  });
});
