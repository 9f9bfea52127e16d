/** The pinned versions of every real part, read from packer/versions.env (the one place they live). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKER_DIR } from './paths.ts';

/** Path of the versions file shared with the install scripts and the Packer templates. */
export const VERSIONS_FILE = join(PACKER_DIR, 'versions.env');

/**
 * Parse shell `KEY=VALUE` lines: blank lines and `#` comments are skipped, surrounding quotes
 * are removed. Throws on a line that is not an assignment, naming the line.
 */
export function parseVersionsEnv(text: string, source = 'versions.env'): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${source}:${index + 1}: expected KEY=VALUE, got "${line}"`);
    let value = match[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
      value = value.slice(1, -1);
    }
    out[match[1]!] = value;
  });
  return out;
}

/** Versions the local twin uses. */
export interface TwinVersions {
  kafka: string;
  kafkaScala: string;
  cassandra: string;
  moto: string;
}

/** Read and check packer/versions.env. */
export function readVersions(file = VERSIONS_FILE): TwinVersions {
  const env = parseVersionsEnv(readFileSync(file, 'utf8'), file);
  const need = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${file}: ${key} is missing; add a line ${key}=<version>`);
    return value;
  };
  return {
    kafka: need('KAFKA_VERSION'),
    kafkaScala: need('KAFKA_SCALA_VERSION'),
    cassandra: need('CASSANDRA_VERSION'),
    moto: need('MOTO_VERSION'),
  };
}

let pinnedCache: Record<string, string> | undefined;

/**
 * One version from packer/versions.env (e.g. `PACKER_VERSION`): the tools terratower builds or
 * installs are pinned there with the parts the images and the twin run. Throws naming the key.
 */
export function pinnedVersion(key: string): string {
  pinnedCache ??= parseVersionsEnv(readFileSync(VERSIONS_FILE, 'utf8'), VERSIONS_FILE);
  const value = pinnedCache[key];
  if (!value) throw new Error(`${VERSIONS_FILE}: ${key} is missing; add a line ${key}=<version>`);
  return value;
}
