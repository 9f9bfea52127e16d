/** What the supervisor needs to start one member process and to know it is ready. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupName } from '../../spec/index.ts';
import type { Role } from '../../spec/addresses.ts';

/** A process to start: command line, environment and working directory. */
export interface LaunchPlan {
  command: string;
  args: string[];
  /** Extra environment on top of the daemon's (the run tag is added by the supervisor). */
  env: Record<string, string>;
  cwd: string;
}

/** Identity and place of a member. */
export interface MemberIdentity {
  /** Stable id: `kafka-1`, `cassandra-2`, `s3-1`, `producers-7`. */
  id: string;
  group: GroupName | 's3';
  role: Role;
  zone: string;
  zoneIndex: number;
  /** Loopback address it binds to. */
  address: string;
  /** Its data dir (kept across replacements for stateful members). */
  dataDir: string;
  /** Its log file (stdout + stderr, appended across incarnations). */
  logFile: string;
}

/** JVM system property that tags a Java process with its run (nuke looks for it). */
export function runTagProperty(runId: string): string {
  return `-Dterratower.run=${runId}`;
}

/**
 * JVM flags that keep a member's temporary files in its own data dir: native libraries the JVM
 * unpacks (lz4, snappy) go to `<dataDir>/tmp` instead of the machine's /tmp, where a killed
 * member would leave them, and no hsperfdata file is written at all.
 */
export function jvmTempFlags(dataDir: string): string[] {
  const tmp = join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return [`-Djava.io.tmpdir=${tmp}`, '-XX:-UsePerfData'];
}

/** Environment variable that tags every process of a run. */
export const RUN_ENV = 'TERRATOWER_RUN';
/** Environment variable naming the member a process belongs to. */
export const MEMBER_ENV = 'TERRATOWER_MEMBER';
