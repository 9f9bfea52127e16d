import { ensureTerraformBinaries } from '../../src/harness/terraform/install.ts';
import { installTwinComponents } from '../../src/local/install/index.ts';

/**
 * Runs once before the integration tier: fetches and caches every real part the tests start
 * (Kafka and Cassandra jars, the moto S3 server, terraform and tofu), with progress on stderr.
 * A warm cache makes this a few seconds.
 */
export default async function setup(): Promise<void> {
  // Installers register here as they land (src/local/install, src/harness/terraform/install).
  await ensureTerraformBinaries();
  await installTwinComponents();
}
