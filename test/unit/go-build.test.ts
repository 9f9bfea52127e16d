/**
 * The Go-build installer (src/support/install/go-build.ts) without the network: `go` is a shell
 * script named by `$TERRATOWER_GO` that writes a small executable where `go install` / `go build`
 * would put the tool (a double of a local tool, not of Kafka or AWS). Covers the build lock, the
 * cache, the scratch module, progress, and the one-line errors; and the three installers on it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureActionlint } from '../../src/support/install/actionlint.ts';
import {
  findGo,
  type GoBuild,
  GoBuildError,
  goBuild,
  scratchModule,
  withBuildLock,
} from '../../src/support/install/go-build.ts';
import { buildPacker, PACKER_VERSION, PackerInstallError } from '../../src/support/install/packer.ts';
import { processStartTicks } from '../../src/support/process.ts';
import { sleep } from '../../src/support/time.ts';

/**
 * The fake `go`: `version`; `install pkg@vX` writes `$GOBIN/<last element of pkg>`; `build … -o
 * out pkg` writes `out`. The written tool answers any argument with `$FAKE_TOOL_SAYS`. Each build
 * appends `<verb> GOFLAGS=<…> <args>` to `$FAKE_GO_CALLS`; `$FAKE_GO_SLEEP` delays it,
 * `$FAKE_GO_FAIL` makes it fail as a compile error does.
 */
const FAKE_GO = `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.99.0 fake/amd64"; exit 0; fi
verb="$1"; shift
echo "$verb GOFLAGS=$GOFLAGS $*" >> "$FAKE_GO_CALLS"
echo "go: downloading example.com/dep v1.0.0" >&2
[ -n "$FAKE_GO_SLEEP" ] && sleep "$FAKE_GO_SLEEP"
if [ -n "$FAKE_GO_FAIL" ]; then
  echo "# example.com/dep" >&2
  echo "example.com/dep/x.go:3:1: syntax error: unexpected }" >&2
  exit 2
fi
out=""
if [ "$verb" = install ]; then
  pkg="\${1%@*}"; mkdir -p "$GOBIN"; out="$GOBIN/\${pkg##*/}"
else
  while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
fi
printf '#!/bin/sh\\necho "%s"\\n' "$FAKE_TOOL_SAYS" > "$out"
chmod +x "$out"
`;

const ENV_NAMES = [
  'PATH',
  'TERRATOWER_CACHE',
  'TERRATOWER_GO',
  'FAKE_GO_CALLS',
  'FAKE_GO_SLEEP',
  'FAKE_GO_FAIL',
  'FAKE_TOOL_SAYS',
] as const;
const saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));

let work = '';
let cache = '';
let calls = '';
const children: ChildProcess[] = [];

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tt-go-build-'));
  cache = join(work, 'cache');
  calls = join(work, 'go-calls.txt');
  const go = join(work, 'go');
  writeFileSync(go, FAKE_GO);
  chmodSync(go, 0o755);
  process.env.TERRATOWER_GO = go;
  process.env.TERRATOWER_CACHE = cache;
  process.env.FAKE_GO_CALLS = calls;
  process.env.FAKE_TOOL_SAYS = 'tool v1.2.3';
  delete process.env.FAKE_GO_SLEEP;
  delete process.env.FAKE_GO_FAIL;
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const n of ENV_NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  await rm(work, { recursive: true, force: true });
});

/** The go commands the fake ran, one line each. */
const goCalls = (): string[] => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);

/** A build of the fake `tool` 1.2.3, accepted when it says so. */
function toolBuild(over: Partial<GoBuild> = {}): GoBuild & { lines: string[] } {
  const lines: string[] = [];
  return {
    name: 'tool',
    version: '1.2.3',
    source: { kind: 'install', package: 'example.com/cmd/tool' },
    minGo: '1.22',
    accepts: 'tool 1.2.x',
    envOverride: 'TERRATOWER_TOOL',
    verify: async (path) => {
      const r = spawnSync(path, ['version'], { encoding: 'utf8' });
      return r.status === 0 && r.stdout.includes('v1.2.3') ? '1.2.3' : undefined;
    },
    log: (line) => lines.push(line),
    lines,
    ...over,
  };
}

describe('findGo', () => {
  it('takes $TERRATOWER_GO (and only it), else go on PATH', async () => {
    const go = join(work, 'go');
    expect(await findGo({ TERRATOWER_GO: go })).toBe(go);
    expect(await findGo({ TERRATOWER_GO: join(work, 'no-go'), PATH: work })).toBeUndefined();
    expect(await findGo({ PATH: `${join(work, 'nothing')}:${work}` })).toBe(go);
  });
});

describe('goBuild', () => {
  it('go install into the cache bin: progress, the build log, no partial file or lock left behind', async () => {
    const build = toolBuild();
    const built = await goBuild(build);
    expect(built).toEqual({ path: join(cache, 'bin', 'tool'), version: '1.2.3' });
    expect(goCalls()).toEqual([expect.stringMatching(/^install GOFLAGS= example\.com\/cmd\/tool@v1\.2\.3$/)]);
    expect(readdirSync(join(cache, 'bin'))).toEqual(['tool']);
    const log = join(cache, 'build', 'tool-1.2.3', 'build.log');
    expect(readFileSync(log, 'utf8')).toMatch(/go: downloading example\.com\/dep[\s\S]*exit 0/);
    expect(build.lines[0]).toMatch(/^building tool 1\.2\.3 from the Go module proxy with go version go1\.99\.0/);
    expect(build.lines[0]).toContain(log);
    expect(build.lines.at(-1)).toMatch(/^built tool 1\.2\.3 in \d+ s: /);
  });

  it('builds a scratch module with -mod=mod and the given ldflags', async () => {
    const module = scratchModule({
      name: 'tool',
      go: '1.22',
      require: 'example.com/tool v1.2.3',
      replace: ['replace example.com/dep v1.0.0 => example.com/fork v1.0.1'],
      main: 'example.com/tool/cmd/tool',
    });
    expect(module.goMod).toBe(
      'module terratower.local/tool-build\n\ngo 1.22\n\nrequire example.com/tool v1.2.3\n\n' +
        'replace example.com/dep v1.0.0 => example.com/fork v1.0.1\n',
    );
    expect(module.toolsGo).toBe('//go:build tools\n\npackage tools\n\nimport _ "example.com/tool/cmd/tool"\n');
    await goBuild(
      toolBuild({ source: { kind: 'module', module, package: 'example.com/tool/cmd/tool', ldflags: '-X a.b=c' } }),
    );
    const dir = join(cache, 'build', 'tool-1.2.3');
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toBe(module.goMod);
    expect(readFileSync(join(dir, 'tools.go'), 'utf8')).toBe(module.toolsGo);
    expect(goCalls()).toEqual([
      expect.stringMatching(/^build GOFLAGS=-mod=mod -ldflags -X a\.b=c -o \S+\/bin\/\.tool\.partial-\d+ example/),
    ]);
    expect(readdirSync(join(cache, 'bin'))).toEqual(['tool']);
  });

  it('uses a cached binary that verifies, and rebuilds one that does not', async () => {
    await goBuild(toolBuild());
    await goBuild(toolBuild());
    expect(goCalls()).toHaveLength(1);
    writeFileSync(join(cache, 'bin', 'tool'), '#!/bin/sh\necho "tool v0.9.0"\n');
    await goBuild(toolBuild());
    expect(goCalls()).toHaveLength(2);
  });

  it('two builds of one tool at once: Go runs once, the second takes the first one’s binary', async () => {
    process.env.FAKE_GO_SLEEP = '0.4';
    const [a, b] = await Promise.all([goBuild(toolBuild()), goBuild(toolBuild())]);
    expect(a).toEqual(b);
    expect(goCalls()).toHaveLength(1);
  });

  it('logs a heartbeat with the modules fetched while Go runs', async () => {
    process.env.FAKE_GO_SLEEP = '0.5';
    const build = toolBuild({ heartbeatSeconds: 0.1 });
    await goBuild(build);
    expect(build.lines).toContainEqual(
      expect.stringMatching(/^… still building tool 1\.2\.3 \(\d+ s, 1 modules fetched\)$/),
    );
  });

  it('without Go: one line that says what was looked for and the fixes', async () => {
    process.env.TERRATOWER_GO = join(work, 'no-go-here');
    const error = await goBuild(toolBuild()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoBuildError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toBe(
      `tool was not found (not on PATH, not in ${join(cache, 'bin')}, TERRATOWER_TOOL unset) and Go is not ` +
        'installed, so terratower cannot build tool 1.2.3 itself. Fix: put tool 1.2.x on PATH or point ' +
        'TERRATOWER_TOOL at one, or install Go ≥ 1.22 (apt-get install golang-go, or https://go.dev/dl/; ' +
        'TERRATOWER_GO names a go that is not on PATH).',
    );
    expect(existsSync(join(cache, 'bin'))).toBe(false);
  });

  it('a failed build: one line with Go’s error, the log and the fix; nothing in place, the lock released', async () => {
    process.env.FAKE_GO_FAIL = '1';
    const error = await goBuild(toolBuild()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoBuildError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    const log = join(cache, 'build', 'tool-1.2.3', 'build.log');
    expect(message).toBe(
      'building tool 1.2.3 failed (go install exit 2): example.com/dep/x.go:3:1: syntax error: unexpected }; ' +
        `full output: ${log}. Fix that cause and run again, or put tool 1.2.x on PATH or point TERRATOWER_TOOL at one.`,
    );
    expect(readFileSync(log, 'utf8')).toMatch(/syntax error[\s\S]*exit 2/);
    expect(readdirSync(join(cache, 'bin'))).toEqual([]);
    delete process.env.FAKE_GO_FAIL;
    await goBuild(toolBuild());
    expect(readdirSync(join(cache, 'bin'))).toEqual(['tool']);
  });

  it('a binary that does not verify is not moved into place', async () => {
    process.env.FAKE_TOOL_SAYS = 'tool v9.9.9';
    const error = await goBuild(toolBuild()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoBuildError);
    expect((error as Error).message).toMatch(/^built tool 1\.2\.3 but the binary does not run or reports another/);
    expect(readdirSync(join(cache, 'bin'))).toEqual([]);
  });
});

describe('withBuildLock', () => {
  const lockDir = (): string => join(work, 'locks');
  const lockFile = (): string => join(lockDir(), '.tool.build-lock');

  it('runs one holder at a time, also within one process', async () => {
    const events: string[] = [];
    const hold = (who: string) =>
      withBuildLock(
        'tool',
        async () => {
          events.push(`${who} in`);
          await sleep(100);
          events.push(`${who} out`);
        },
        { dir: lockDir(), pollMs: 20 },
      );
    await Promise.all([hold('a'), hold('b')]);
    // Either may take the lock first; the other gets in only after the first is out.
    const [first, second] = events[0] === 'a in' ? ['a', 'b'] : ['b', 'a'];
    expect(events).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(readdirSync(lockDir())).toEqual([]);
  });

  it('does not wait forever on something that is not a lock file', async () => {
    mkdirSync(lockFile(), { recursive: true });
    await expect(withBuildLock('tool', async () => 'held', { dir: lockDir() })).rejects.toThrow(
      `${lockFile()} is not a lock file; remove it and run again`,
    );
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withBuildLock('tool', async () => Promise.reject(new Error('boom')), { dir: lockDir() }),
    ).rejects.toThrow('boom');
    expect(readdirSync(lockDir())).toEqual([]);
  });

  it('takes over the lock of a process that is gone, and of a pid that is another process now', async () => {
    mkdirSync(lockDir(), { recursive: true });
    const gone = spawnSync('true').pid;
    for (const stale of [`${gone} 123 x\n`, `${process.pid} 1 y\n`, 'garbage\n']) {
      writeFileSync(lockFile(), stale);
      const lines: string[] = [];
      expect(
        await withBuildLock('tool', async () => 'held', { dir: lockDir(), pollMs: 20, log: (l) => lines.push(l) }),
      ).toBe('held');
      expect(lines).toEqual([expect.stringMatching(/^took over the tool build lock of pid .*, which is gone$/)]);
      expect(readdirSync(lockDir())).toEqual([]);
    }
  });

  it('waits while a live process holds the lock, and takes it when that process dies', async () => {
    mkdirSync(lockDir(), { recursive: true });
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(holder);
    const pid = holder.pid ?? 0;
    writeFileSync(lockFile(), `${pid} ${processStartTicks(pid)} z\n`);
    const lines: string[] = [];
    let held = false;
    const waiting = withBuildLock(
      'tool',
      async () => {
        held = true;
      },
      { dir: lockDir(), pollMs: 20, log: (l) => lines.push(l) },
    );
    await sleep(300);
    expect(held).toBe(false);
    expect(lines).toEqual([`waiting for another process (pid ${pid}) building tool …`]);
    holder.kill('SIGKILL');
    await waiting;
    expect(held).toBe(true);
    expect(lines.at(-1)).toBe(`took over the tool build lock of pid ${pid}, which is gone`);
  });
});

describe('the installers on the Go-build installer', () => {
  it('actionlint: built with go install, or unavailable with the one-line reason', async () => {
    process.env.PATH = '/usr/bin:/bin'; // the fake go's sh tools, and no actionlint
    process.env.FAKE_TOOL_SAYS = 'v1.7.12';
    const lines: string[] = [];
    expect(await ensureActionlint((l) => lines.push(l))).toEqual({ path: join(cache, 'bin', 'actionlint') });
    expect(goCalls()).toEqual([
      expect.stringContaining('install GOFLAGS= github.com/rhysd/actionlint/cmd/actionlint@v'),
    ]);
    await rm(cache, { recursive: true, force: true });
    process.env.TERRATOWER_GO = join(work, 'no-go-here');
    const missing = await ensureActionlint(() => undefined);
    expect(missing).toEqual({ unavailable: expect.stringMatching(/^actionlint was not found .* install Go ≥ 1\.25 /) });
  });

  it('packer: built from its scratch module into the given cache; a failure is a PackerInstallError', async () => {
    process.env.FAKE_TOOL_SAYS = `Packer v${PACKER_VERSION}`;
    const root = join(work, 'packer-cache');
    const built = await buildPacker({ cacheDir: root, log: () => undefined });
    expect(built).toEqual({ path: join(root, 'bin', 'packer'), version: PACKER_VERSION, source: 'cache' });
    expect(readFileSync(join(root, 'build', `packer-${PACKER_VERSION}`, 'go.mod'), 'utf8')).toContain(
      `require github.com/hashicorp/packer v${PACKER_VERSION}`,
    );
    expect(goCalls()).toEqual([
      expect.stringMatching(/^build GOFLAGS=-mod=mod -o \S+ github\.com\/hashicorp\/packer$/),
    ]);
    process.env.FAKE_GO_FAIL = '1';
    const error = await buildPacker({ cacheDir: join(work, 'other'), log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackerInstallError);
    expect((error as Error).message).toMatch(/^building packer .* failed .* or point TERRATOWER_PACKER at one\.$/);
  });
});
