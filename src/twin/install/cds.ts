/**
 * Class-data-sharing archives (Java AppCDS) for the twin's Kafka and Cassandra JVMs. A JVM that
 * maps an archive skips parsing and verifying the thousands of classes a broker or node loads at
 * start — most of a JVM's start-up CPU, and on a shared 2-core machine six JVMs start at once.
 *
 * An archive is made once per (kind, Java runtime, jar set) by a training run: one server started
 * with `-XX:ArchiveClassesAtExit`, stopped once it is up. Its file name carries a key over the Java
 * runtime (version text, `lib/modules`, libjvm) and every jar of the classpath (name, size, mtime),
 * so a changed jar or JDK never picks up a stale archive: it makes a new one, and until then the
 * JVM starts without. `-Xshare:auto` keeps a JVM starting if an archive cannot be mapped.
 * `TERRATOWER_CDS=off` turns archives off (to measure what they save).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  closeSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { switchedOff } from '../../support/env.ts';
import { cacheDir } from '../../support/paths.ts';
import type { ProgressFn } from './run-script.ts';

/** Which JVM an archive is for. */
export type CdsKind = 'kafka' | 'cassandra';

/**
 * Flags a kind needs both when dumping and when mapping its archive: a Cassandra node runs with
 * the jamm agent (it only measures object sizes, it transforms no class), and the JVM maps an
 * archive made with an agent only when the flag it was made with is set again.
 */
const ARCHIVE_FLAGS: Readonly<Record<CdsKind, readonly string[]>> = {
  kafka: [],
  cassandra: ['-XX:+UnlockDiagnosticVMOptions', '-XX:+AllowArchivingWithJavaAgent'],
};

/** Whether archives are in use (`TERRATOWER_CDS=off` turns them off). */
export function cdsEnabled(): boolean {
  return !switchedOff(process.env.TERRATOWER_CDS);
}

/** Whether to make Cassandra's archive (`TERRATOWER_CDS_CASSANDRA=off` does not). */
export function cassandraCdsWanted(): boolean {
  return !switchedOff(process.env.TERRATOWER_CDS_CASSANDRA);
}

let runtimeKey: string | undefined;

/** Version text and the files of the `java` on PATH that an archive depends on; cached per process. */
function javaRuntimeKey(): string {
  if (runtimeKey !== undefined) return runtimeKey;
  // No perf data: a short JVM like this one otherwise leaves /tmp/hsperfdata_<user> behind.
  const r = spawnSync('java', ['-XX:-UsePerfData', '-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const text = `${r.stderr ?? ''}`;
  const home = /^\s*java\.home = (.+)$/m.exec(text)?.[1]?.trim();
  const version = text
    .split('\n')
    .filter((l) => /java\.(vm\.)?version|java\.runtime\.version|openjdk|java version/i.test(l))
    .join('\n');
  const files = home
    ? ['lib/modules', 'lib/server/libjvm.so', 'lib/server/classes.jsa'].map((f) => statKey(join(home, f)))
    : [];
  runtimeKey = [home ?? 'unknown-java-home', version, ...files].join('\n');
  return runtimeKey;
}

function statKey(path: string): string {
  try {
    const s = statSync(path);
    return `${path}:${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return `${path}:missing`;
  }
}

/** The archive file for `kind` over the jars of `libDir` (it may not exist yet). */
export function cdsArchivePath(kind: CdsKind, libDir: string): string {
  const jars = readdirSync(libDir)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => statKey(join(libDir, f)));
  const key = createHash('sha256')
    .update([kind, javaRuntimeKey(), libDir, ...jars].join('\n'))
    .digest('hex')
    .slice(0, 20);
  return join(cacheDir(), 'cds', `${kind}-${key}.jsa`);
}

/** JVM flags that map the archive when there is a current one; none otherwise. */
export function cdsFlags(kind: CdsKind, libDir: string): string[] {
  if (!cdsEnabled() || !existsSync(libDir)) return [];
  const archive = cdsArchivePath(kind, libDir);
  return existsSync(archive) ? [...ARCHIVE_FLAGS[kind], `-XX:SharedArchiveFile=${archive}`, '-Xshare:auto'] : [];
}

/** A failed attempt (say, a busy port or a starved machine) is retried after this long, not every run. */
const RETRY_FAILED_AFTER_MS = 3_600_000;

/** Whether `ensureCdsArchive` would train now: archives on, none current, no recent failed attempt. */
export function cdsArchivePending(kind: CdsKind, libDir: string): boolean {
  if (!cdsEnabled()) return false;
  if (!existsSync(libDir)) return true;
  const archive = cdsArchivePath(kind, libDir);
  if (existsSync(archive)) return false;
  const marker = `${archive}.failed`;
  return !(existsSync(marker) && Date.now() - statSync(marker).mtimeMs < RETRY_FAILED_AFTER_MS);
}

/** A training run: the server's command line and the log line that says it is up. */
export interface CdsTraining {
  /** JVM arguments without any archive flag (the dump flag is added here). */
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Matches the server's own "started" line in its output. */
  readyPattern: RegExp;
  /** Removes the training's scratch files. */
  cleanup: () => void;
}

/**
 * Make the archive for `kind` unless there is a current one (or a marker of a failed attempt for
 * the same key: delete it to try again). A failure is reported and never fails the install: the
 * twin then starts its JVMs without an archive. Returns whether an archive is there afterwards.
 */
export async function ensureCdsArchive(
  kind: CdsKind,
  libDir: string,
  classpath: string,
  training: () => CdsTraining | Promise<CdsTraining>,
  onProgress: ProgressFn,
  timeoutMs = 240_000,
): Promise<boolean> {
  if (!cdsEnabled()) return false;
  const archive = cdsArchivePath(kind, libDir);
  const failedMarker = `${archive}.failed`;
  if (existsSync(archive)) return true;
  if (existsSync(failedMarker) && Date.now() - statSync(failedMarker).mtimeMs < RETRY_FAILED_AFTER_MS) return false;
  mkdirSync(join(cacheDir(), 'cds'), { recursive: true });
  onProgress(`${kind}: making its class-data archive (once per Java and ${kind} version, ~30–60 s)`);
  const started = Date.now();
  const partial = `${archive}.${process.pid}.tmp`;
  const logFile = `${partial}.log`;
  let t: CdsTraining | undefined;
  try {
    t = await training();
    const ok = await trainOnce(t, [...ARCHIVE_FLAGS[kind]], partial, logFile, timeoutMs);
    // The archive must map with the same classpath, or it is no use (-Xshare:on fails if not).
    const check = ok
      ? spawnSync(
          'java',
          [
            ...ARCHIVE_FLAGS[kind],
            '-XX:-UsePerfData',
            '-Xshare:on',
            `-XX:SharedArchiveFile=${partial}`,
            '-cp',
            classpath,
            '-version',
          ],
          {
            encoding: 'utf8',
          },
        )
      : undefined;
    if (!ok || !existsSync(partial) || check?.status !== 0) {
      const why = !ok
        ? `the training run did not start and stop cleanly: ${tail(logFile)}`
        : `the archive does not map: ${(check?.stderr ?? '').trim().slice(-300)}`;
      renameQuietly(logFile, failedMarker);
      onProgress(
        `${kind}: no class-data archive (${why}); JVMs start without one (retried in an hour, or delete ${failedMarker})`,
      );
      return false;
    }
    renameSync(partial, archive);
    onProgress(`${kind}: class-data archive ready in ${((Date.now() - started) / 1000).toFixed(0)} s (${archive})`);
    return true;
  } catch (error) {
    onProgress(`${kind}: no class-data archive (${(error as Error).message}); JVMs start without one`);
    return false;
  } finally {
    t?.cleanup();
    rmSync(partial, { force: true });
    rmSync(logFile, { force: true });
  }
}

/** Start the training server with the dump flag, wait for its ready line, SIGTERM it, wait for the dump. */
async function trainOnce(
  t: CdsTraining,
  archiveFlags: string[],
  archive: string,
  logFile: string,
  timeoutMs: number,
): Promise<boolean> {
  const fd = openSync(logFile, 'a');
  const child = spawn('java', [...archiveFlags, `-XX:ArchiveClassesAtExit=${archive}`, ...t.args], {
    cwd: t.cwd,
    env: { ...process.env, ...t.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  try {
    const exited = new Promise<number | null>((resolveExit) => {
      child.once('error', () => resolveExit(null));
      child.once('exit', (code) => resolveExit(code));
    });
    const deadline = Date.now() + timeoutMs;
    let up = false;
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (!up && !gone && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      up = t.readyPattern.test(readTail(logFile));
    }
    if (!up) {
      child.kill('SIGKILL');
      await exited;
      return false;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    await exited;
    clearTimeout(timer);
    // Whatever its exit code after SIGTERM, the archive is whole if it exists and maps (checked next).
    return true;
  } finally {
    process.off('exit', killOnExit);
  }
}

function readTail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(-200_000);
  } catch {
    return '';
  }
}

function tail(path: string): string {
  return readTail(path).trim().split('\n').slice(-3).join(' | ').slice(-400);
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // best effort: the marker only saves a retry
  }
}
