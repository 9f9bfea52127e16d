/**
 * The JVM sink reference of bench/throughput.ts (bench/java/JavaWriter.java): the DataStax Java
 * driver 4.x resolved from Maven Central with mvn into the cache (once), the writer compiled with
 * javac (once per source change), run in its own JVM on the app's statement and consistency.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PaymentRecord } from '../apps/shared/record.ts';
import { RECORD_COLUMNS, VERSION_COLUMN } from '../apps/shared/schema.ts';
import { cacheDir } from '../src/support/paths.ts';
import { readFileSync } from 'node:fs';
import { parseVersionsEnv, VERSIONS_FILE } from '../src/support/versions.ts';

const execFileAsync = promisify(execFile);

/** The driver artifact (DataStax Java driver 4.x). */
export const JAVA_DRIVER = 'com.datastax.oss:java-driver-core:4.17.0';
const SOURCE = join(import.meta.dirname, 'java', 'JavaWriter.java');

/** Resolve the driver into the cache and compile the writer; returns the java classpath. */
export async function javaWriterClasspath(): Promise<string> {
  const [group, artifact, version] = JAVA_DRIVER.split(':') as [string, string, string];
  const home = join(cacheDir(), 'bench', `java-driver-${version}`);
  const lib = join(home, 'lib');
  if (!existsSync(join(home, '.installed'))) {
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>terratower</groupId><artifactId>bench-java-writer</artifactId><version>1</version><dependencies><dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency></dependencies></project>\n`,
    );
    // The plugin version the installers pin (packer/versions.env).
    const pinned = parseVersionsEnv(readFileSync(VERSIONS_FILE, 'utf8'), VERSIONS_FILE).MAVEN_DEPENDENCY_PLUGIN_VERSION;
    const plugin = `org.apache.maven.plugins:maven-dependency-plugin:${pinned ?? '3.8.1'}:copy-dependencies`;
    await execFileAsync('mvn', ['-q', '-B', plugin, '-DincludeScope=runtime', `-DoutputDirectory=${lib}`], {
      cwd: home,
      maxBuffer: 16 << 20,
      env: { ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ''} -XX:-UsePerfData`.trim() },
    });
    await writeFile(join(home, '.installed'), `${JAVA_DRIVER}\n`);
  }
  const source = await readFile(SOURCE);
  const classes = join(home, `classes-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(classes, 'JavaWriter.class'))) {
    await rm(classes, { recursive: true, force: true });
    await mkdir(classes, { recursive: true });
    await execFileAsync('javac', ['-J-XX:-UsePerfData', '-d', classes, '-cp', join(lib, '*'), SOURCE], {
      maxBuffer: 16 << 20,
    });
  }
  return `${join(lib, '*')}:${classes}`;
}

/** Rows as the writer reads them: a line of column kinds, then the typed values (see JavaWriter.java). */
export function javaWriterRows(records: readonly PaymentRecord[], object: string): string {
  const kinds = [
    ...RECORD_COLUMNS.map((c) => (c.name === VERSION_COLUMN ? 'version' : c.kind === 'int' ? 'int' : c.kind)),
    'text',
    'int',
  ];
  const rows = records.map((r, i) =>
    [
      ...RECORD_COLUMNS.map((c) => (r[c.name] === null || r[c.name] === undefined ? '' : String(r[c.name]))),
      object,
      String(i + 2),
    ].join('\t'),
  );
  return `${kinds.join('\t')}\n${rows.join('\n')}\n`;
}

/** Records/s of the JVM writer. */
export async function javaWriterRate(o: {
  contactPoints: string[];
  dataCenter: string;
  cql: string;
  consistency: string;
  inFlight: number;
  rowsFile: string;
  versionTimestamp: boolean;
}): Promise<{ recordsPerSecond: number; retries: number }> {
  const classpath = await javaWriterClasspath();
  const { stdout } = await execFileAsync(
    'java',
    [
      '-XX:-UsePerfData', // no /tmp/hsperfdata_<user> left behind
      '-Xmx512m',
      '-cp',
      classpath,
      'JavaWriter',
      o.contactPoints.map((p) => (p.includes(':') ? p : `${p}:9042`)).join(','),
      o.dataCenter,
      o.cql,
      o.consistency,
      String(o.inFlight),
      o.rowsFile,
      String(o.versionTimestamp),
    ],
    { maxBuffer: 16 << 20 },
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as { recordsPerSecond: number; retries: number };
}
