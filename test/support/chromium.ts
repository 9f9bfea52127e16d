/**
 * Debian's Chromium for browser tests: Playwright cannot download its own browsers here, so
 * tests drive `/usr/bin/chromium` with playwright-core, installing it with apt-get when missing.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Install Chromium with apt-get when it is not there (about a minute). */
export async function ensureChromium(log: (line: string) => void = () => undefined): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  log('installing chromium with apt-get (about a minute)');
  await execa('apt-get', ['update'], { stdio: 'inherit' });
  await execa('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Launch headless Chromium (no sandbox: CI runs as root). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
