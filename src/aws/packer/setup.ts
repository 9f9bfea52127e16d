/**
 * Makes the tools the packer unit tests use available: the packer binary (built into the cache
 * when missing, ~3 min once) and shellcheck (from PyPI into the cache, ~15 s once). Meant for a
 * vitest global setup, so the unit tests themselves never install anything: they find the cached
 * tools, or skip with a message saying how to get them.
 */
import { ensurePacker, type PackerBinary } from '../../support/install/packer.ts';
import { ensureShellcheck } from './shellcheck.ts';

/** What {@link ensurePackerTestTools} made available; a tool that could not be had carries its reason. */
export interface PackerTestTools {
  packer: PackerBinary | { error: string };
  shellcheck: string | { error: string };
}

/** Ensure packer and shellcheck are cached. Never throws: a failure is reported and the tests skip. */
export async function ensurePackerTestTools(
  log: (line: string) => void = (l) => process.stderr.write(`[terratower setup] ${l}\n`),
): Promise<PackerTestTools> {
  const reason = (error: unknown): { error: string } => ({
    error: error instanceof Error ? error.message : String(error),
  });
  const [packer, shellcheck] = await Promise.all([
    ensurePacker({ log }).catch(reason),
    ensureShellcheck({ log }).catch(reason),
  ]);
  if ('error' in packer) log(`packer unavailable: ${packer.error}`);
  if (typeof shellcheck !== 'string') log(`shellcheck unavailable: ${shellcheck.error}`);
  return { packer, shellcheck };
}
