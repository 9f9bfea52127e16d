import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cdsArchivePath, cdsFlags } from '../../src/twin/install/cds.ts';

describe('class-data archives of the twin JVMs', () => {
  let root: string;
  let lib: string;
  const saved = { cache: process.env.TERRATOWER_CACHE, cds: process.env.TERRATOWER_CDS };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tt-cds-'));
    lib = join(root, 'lib');
    mkdirSync(lib);
    writeFileSync(join(lib, 'a.jar'), 'a');
    writeFileSync(join(lib, 'b.jar'), 'bb');
    process.env.TERRATOWER_CACHE = join(root, 'cache');
    delete process.env.TERRATOWER_CDS;
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    for (const [key, value] of [
      ['TERRATOWER_CACHE', saved.cache],
      ['TERRATOWER_CDS', saved.cds],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('names the archive by kind and jar set: a changed or added jar gives another archive', () => {
    const first = cdsArchivePath('kafka', lib);
    expect(first).toBe(cdsArchivePath('kafka', lib));
    expect(first.startsWith(join(root, 'cache', 'cds', 'kafka-'))).toBe(true);
    expect(cdsArchivePath('cassandra', lib)).not.toBe(first);
    writeFileSync(join(lib, 'b.jar'), 'bbb');
    const changed = cdsArchivePath('kafka', lib);
    expect(changed).not.toBe(first);
    writeFileSync(join(lib, 'c.jar'), 'c');
    expect(cdsArchivePath('kafka', lib)).not.toBe(changed);
  });

  it('maps the archive only when a current one exists, and never with TERRATOWER_CDS=off', () => {
    expect(cdsFlags('kafka', lib)).toEqual([]);
    const archive = cdsArchivePath('kafka', lib);
    mkdirSync(dirname(archive), { recursive: true });
    writeFileSync(archive, 'archive');
    expect(cdsFlags('kafka', lib)).toEqual([`-XX:SharedArchiveFile=${archive}`, '-Xshare:auto']);
    // Cassandra's archive is made with its java agent: mapping it needs the same flag again.
    const cassandraArchive = cdsArchivePath('cassandra', lib);
    writeFileSync(cassandraArchive, 'archive');
    expect(cdsFlags('cassandra', lib)).toEqual([
      '-XX:+UnlockDiagnosticVMOptions',
      '-XX:+AllowArchivingWithJavaAgent',
      `-XX:SharedArchiveFile=${cassandraArchive}`,
      '-Xshare:auto',
    ]);
    process.env.TERRATOWER_CDS = 'off';
    expect(cdsFlags('kafka', lib)).toEqual([]);
    delete process.env.TERRATOWER_CDS;
    writeFileSync(join(lib, 'a.jar'), 'a newer jar');
    expect(cdsFlags('kafka', lib)).toEqual([]);
  });
});
