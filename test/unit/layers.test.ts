import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const files = [...sourceFiles('src'), ...sourceFiles('apps'), 'main.ts'];
const importsOf = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:from\s+|import\(|require\()'([^']+)'/g)].map(
    (m) => m[1] ?? '',
  );
/** Modules a file loads when it is loaded: static imports and re-exports that survive compilation. */
const loadedImportsOf = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)'/gms)]
    .map((m) => m[1] ?? '')
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)));
/** The repository-relative files a file imports by relative path. */
const localImportsOf = (file: string): string[] =>
  importsOf(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)));

/**
 * The layers of DESIGN.md, lowest first. A layer may import its own files and any layer of a
 * lower rank; layers of one rank (model and support, aws and twin) do not import each other.
 */
const LAYERS: ReadonlyArray<{ layer: string; rank: number }> = [
  { layer: 'src/spec', rank: 0 },
  { layer: 'src/model', rank: 1 },
  { layer: 'src/support', rank: 1 },
  { layer: 'src/store', rank: 2 },
  { layer: 'src/aws', rank: 3 },
  { layer: 'src/twin', rank: 3 },
  { layer: 'src/harness', rank: 4 },
  { layer: 'src/experiment', rank: 5 },
  { layer: 'src/service', rank: 6 },
  { layer: 'src/cli', rank: 7 },
];

function layerOf(file: string): { layer: string; rank: number } | undefined {
  return LAYERS.find((l) => file === `${l.layer}.ts` || file.startsWith(`${l.layer}/`));
}

describe('layers (DESIGN.md "Layers and layout")', () => {
  it('every source file under src/ belongs to a layer (or is the package entry)', () => {
    const homeless = files.filter((f) => f.startsWith('src/') && f !== 'src/index.ts' && !layerOf(f));
    expect(homeless).toEqual([]);
  });

  it('imports point down the layers, never up or sideways', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => f.startsWith('src/'))) {
      const from = layerOf(file);
      if (!from) continue;
      for (const target of localImportsOf(file)) {
        if (target.startsWith('apps/')) {
          if (!target.startsWith('apps/shared/'))
            violations.push(`${file} -> ${target} (src may import apps/shared only)`);
          continue;
        }
        const to = layerOf(target);
        if (!to || to.layer === from.layer) continue;
        if (to.rank >= from.rank) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('apps import nothing from src/, and each app only itself and apps/shared', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => f.startsWith('apps/'))) {
      const app = file.split('/')[1];
      for (const target of localImportsOf(file)) {
        const ok = target.startsWith(`apps/${app}/`) || target.startsWith('apps/shared/');
        if (!ok) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no import cycles between source files', () => {
    const graph = new Map(files.map((f) => [f, localImportsOf(f).filter((t) => files.includes(t))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('loading the package entry `terratower` loads no cdktf module (dynamic imports may)', () => {
    const seen = new Set<string>();
    const reach = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const t of loadedImportsOf(f)) if (files.includes(t)) reach(t);
    };
    reach('src/index.ts');
    const cdktfUsers = [...seen].filter((f) =>
      importsOf(f).some((s) => s === 'cdktf' || s === 'constructs' || s.startsWith('@cdktf/')),
    );
    expect(cdktfUsers).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });

  it('the AWS provider is imported by deep path only, never from the package root', () => {
    const offenders = files.filter((f) =>
      importsOf(f).some(
        (s) =>
          s === '@cdktf/provider-aws' || s === '@cdktf/provider-aws/lib' || s === '@cdktf/provider-aws/lib/index.js',
      ),
    );
    expect(offenders).toEqual([]);
    const deep = files.flatMap(importsOf).filter((s) => s.startsWith('@cdktf/provider-aws/'));
    expect(deep.length).toBeGreaterThan(20);
    for (const s of deep) expect(s).toMatch(/^@cdktf\/provider-aws\/lib\/[a-z0-9-]+\/index\.js$/);
  });

  it('cdktf, constructs and the AWS provider are loaded with require (src/aws/cdktf.ts, provider-aws.ts)', () => {
    // An ESM import of these CommonJS packages makes Node parse each module for its named exports
    // (bench/package.ts); `import type` is erased and stays allowed.
    const peer = (s: string): boolean => s === 'cdktf' || s === 'constructs' || s.startsWith('@cdktf/');
    const valueImports = files.flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)'/gms)]
        .map((m) => m[1] ?? '')
        .filter(peer)
        .map((s) => `${f}: ${s}`),
    );
    expect(valueImports).toEqual([]);
    const loaders = files.filter((f) =>
      /require\('(?:cdktf|constructs|@cdktf\/[^']+)'\)/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(loaders.sort()).toEqual(['src/aws/cdktf.ts', 'src/aws/provider-aws.ts']);
  });

  it('only src/aws and main.ts import cdktf', () => {
    const users = files.filter((f) => importsOf(f).some((s) => s === 'cdktf' || s.startsWith('@cdktf/')));
    expect(users.filter((f) => !/^(src\/aws\/|main\.ts$)/.test(f))).toEqual([]);
  });
});
