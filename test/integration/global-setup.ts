import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/support/paths.ts';
import { ensureTerraformBinaries } from '../../src/support/install/terraform.ts';
import { installTwinComponents } from '../../src/twin/install/index.ts';
import { ensurePackerTestTools } from '../../src/aws/packer/setup.ts';

/**
 * Runs once before the integration tier: builds dist/ (`npm run build`: the twin starts the
 * compiled daemon and the app bundles, so a test never runs stale output), then fetches and caches every real part the tests start
 * (Kafka and Cassandra jars, the moto S3 server, terraform and tofu, packer and shellcheck),
 * with progress on stderr.
 * A warm cache makes this a few seconds.
 */
export default async function setup(): Promise<void> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed: see the errors above');
  await ensureTerraformBinaries();
  await installTwinComponents();
  await ensurePackerTestTools();
}
