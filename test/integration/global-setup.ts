import { ensureTerraformBinaries } from '../../src/support/install/terraform.ts';
import { installTwinComponents } from '../../src/twin/install/index.ts';
import { ensurePackerTestTools } from '../../src/aws/packer/setup.ts';

/**
 * Runs once before the integration tier: fetches and caches every real part the tests start
 * (Kafka and Cassandra jars, the moto S3 server, terraform and tofu, packer and shellcheck),
 * with progress on stderr.
 * A warm cache makes this a few seconds.
 */
export default async function setup(): Promise<void> {
  await ensureTerraformBinaries();
  await installTwinComponents();
  await ensurePackerTestTools();
}
