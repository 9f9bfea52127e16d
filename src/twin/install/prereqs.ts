/** Checks that the tools the installers need are on PATH, with the fix in the error. */
import { spawnSync } from 'node:child_process';

/** A tool the twin needs and how to get it. */
export interface Prerequisite {
  command: string;
  args: string[];
  /** Environment added for the check. */
  env?: Record<string, string>;
  fix: string;
}

/** Maven's JVM without perf data, which would leave /tmp/hsperfdata_<user> behind. */
export const MAVEN_NO_PERF_DATA = { MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ''} -XX:-UsePerfData`.trim() };

/** Java 17+, Maven and Python 3 (with venv). */
export const PREREQUISITES: Readonly<Record<'java' | 'mvn' | 'python3', Prerequisite>> = {
  java: {
    command: 'java',
    args: ['-XX:-UsePerfData', '-version'], // no perf data: it would leave /tmp/hsperfdata_<user>
    fix: 'install a JDK 17 (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; macOS: brew install openjdk@17)',
  },
  mvn: {
    command: 'mvn',
    args: ['-v'],
    env: MAVEN_NO_PERF_DATA,
    fix: 'install Apache Maven (Debian/Ubuntu: apt-get install maven; macOS: brew install maven)',
  },
  python3: {
    command: 'python3',
    args: ['--version'],
    fix: 'install Python 3.9+ with venv (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python)',
  },
};

/** Throws a clear error when `name` is not runnable. */
export function requireTool(name: keyof typeof PREREQUISITES): void {
  const p = PREREQUISITES[name];
  const result = spawnSync(p.command, p.args, { stdio: 'ignore', env: { ...process.env, ...p.env } });
  if (result.error || result.status !== 0) {
    throw new Error(`the local twin needs '${p.command}' but it is not on PATH (or does not run): ${p.fix}`);
  }
}
