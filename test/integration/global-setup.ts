import { PREPARED_ENV, prepareIntegrationTests } from './prepare.ts';

/**
 * Runs once before an integration or scenario vitest run: builds dist/ and installs every real
 * part the tests start (./prepare.ts) — unless `npm test` did that already in its own tier.
 */
export default async function setup(): Promise<void> {
  if (process.env[PREPARED_ENV] === '1') return;
  await prepareIntegrationTests();
}
