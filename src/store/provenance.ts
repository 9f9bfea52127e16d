/**
 * Provenance of a run: the git revision of the checkout, the pinned component versions
 * (packer/versions.env via src/support/versions.ts), and the machine's facts when the run
 * started. Version and revision facts are read once per process; the machine's load and free
 * memory are read every time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, freemem, hostname, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.ts';
import { parseVersionsEnv, VERSIONS_FILE } from '../support/versions.ts';
import type { MachineFacts, Provenance } from './types.ts';

function run(cmd: string, args: string[], cwd?: string): { stdout: string; stderr: string } | undefined {
  try {
    const stdout = execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    return { stdout, stderr: '' };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    // `java -version` writes to stderr and exits 0; a non-zero status is a real failure.
    if (e.status === 0) return { stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    return undefined;
  }
}

let javaCache: string | null | undefined;

/** `java -version`'s first line (java prints it on stderr), or null without java. */
export function javaVersion(): string | null {
  if (javaCache !== undefined) return javaCache;
  const r = spawnSync('java', ['-XX:-UsePerfData', '-version'], { encoding: 'utf8', timeout: 10_000 });
  const first = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n')[0]?.trim();
  javaCache = r.status === 0 && first ? first : null;
  return javaCache;
}

/** The machine's facts now. */
export function machineFacts(): MachineFacts {
  const meminfo = (() => {
    try {
      const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
      return m ? Number(m[1]) * 1024 : freemem();
    } catch {
      return freemem();
    }
  })();
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  const list = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    availableMemoryMiB: Math.round(meminfo / 2 ** 20),
    loadAverage: [round2(l1), round2(l5), round2(l15)],
    node: process.version,
    java: javaVersion(),
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

let staticCache: Omit<Provenance, 'machine'> | undefined;

/** Git revision, dirty flag, package and component versions (cached per process). */
export function codeProvenance(): Omit<Provenance, 'machine'> {
  if (staticCache) return staticCache;
  const rev = run('git', ['rev-parse', 'HEAD'], REPO_ROOT)?.stdout.trim() || null;
  const status = rev ? run('git', ['status', '--porcelain', '--untracked-files=no'], REPO_ROOT) : undefined;
  let versions: Record<string, string> = {};
  try {
    versions = parseVersionsEnv(readFileSync(VERSIONS_FILE, 'utf8'), VERSIONS_FILE);
  } catch {
    versions = {};
  }
  let terratower = 'unknown';
  try {
    terratower =
      (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? terratower;
  } catch {
    // keep unknown
  }
  staticCache = {
    gitRevision: rev,
    gitDirty: status ? status.stdout.trim() !== '' : null,
    terratower,
    versions,
  };
  return staticCache;
}

/** Everything: code provenance plus the machine's facts now. `extraVersions` (e.g. `terraform`) are merged in. */
export function collectProvenance(extraVersions: Record<string, string> = {}): Provenance {
  const code = codeProvenance();
  return { ...code, versions: { ...code.versions, ...extraVersions }, machine: machineFacts() };
}
