import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const files = [...sourceFiles('src'), ...sourceFiles('apps'), 'main.ts'];
const importsOf = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]!);

describe('import rules (DESIGN.md conventions)', () => {
  it('the AWS provider is imported by deep path only, never from the package root', () => {
    const offenders = files.filter((f) => importsOf(f).some((spec) => spec === '@cdktf/provider-aws' || spec === '@cdktf/provider-aws/lib' || spec === '@cdktf/provider-aws/lib/index.js'));
    expect(offenders).toEqual([]);
    const deep = files.flatMap(importsOf).filter((spec) => spec.startsWith('@cdktf/provider-aws/'));
    expect(deep.length).toBeGreaterThan(20);
    for (const spec of deep) expect(spec).toMatch(/^@cdktf\/provider-aws\/lib\/[a-z0-9-]+\/index\.js$/);
  });

  it('only src/constructs, src/stacks and main.ts import cdktf', () => {
    const users = files.filter((f) => importsOf(f).some((spec) => spec === 'cdktf' || spec.startsWith('@cdktf/')));
    expect(users.filter((f) => !/^(src\/constructs\/|src\/stacks\/|main\.ts$)/.test(f))).toEqual([]);
  });
});
