/**
 * What the integration and scenario tiers need before any test starts: dist/ built (`npm run
 * build`: the twin starts the compiled daemon and the app bundles, so a test never runs stale
 * output), and every real part the tests start fetched and cached (Kafka and Cassandra jars, the
 * moto S3 server, terraform and tofu, packer and shellcheck), with progress on stderr. A warm
 * cache makes this a few seconds.
 *
 * `npm test` runs it once as its own tier (`node --import tsx test/integration/prepare.ts`) and
 * then sets TERRATOWER_TESTS_PREPARED=1, so the lanes it runs side by side do not build dist/
 * or install into the cache at the same time; a vitest run of its own prepares in its global
 * setup (./global-setup.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePackerTestTools } from '../../src/aws/packer/setup.ts';
import { ensureTerraformBinaries } from '../../src/support/install/terraform.ts';
import { REPO_ROOT } from '../../src/support/paths.ts';
import { installTwinComponents } from '../../src/twin/install/index.ts';

/** The variable that says the tests were prepared already. */
export const PREPARED_ENV = 'TERRATOWER_TESTS_PREPARED';

/** Build dist/ and install every real part the integration tests start. */
export async function prepareIntegrationTests(): Promise<void> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed: see the errors above');
  await ensureTerraformBinaries();
  await installTwinComponents();
  await ensurePackerTestTools();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  prepareIntegrationTests().catch((error: unknown) => {
    process.stderr.write(`preparing the integration tests failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
