/**
 * Reading /proc: which processes carry a run tag, whether a pid is alive, which sockets listen.
 * Used by `down` and `nuke` to find what a run left behind, and by tests to prove nothing is.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sleep } from './time.ts';

/** A process that carries a terratower run tag. */
export interface TaggedProcess {
  pid: number;
  /** Process group id. */
  pgid: number;
  runId: string;
  /** Start time in clock ticks since boot (identifies this incarnation of the pid). */
  startTicks: number;
  /** Command line, for messages. */
  command: string;
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (state first), or undefined when gone. */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Start time of process `pid` in clock ticks since boot (Linux), or null where unknown. */
export function processStartTicks(pid: number): number | null {
  // starttime is field 22 of stat: index 19 counted from the state field.
  const ticks = Number(statFields(pid)?.[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

/** Clock ticks per second of /proc/<pid>/stat times (Linux: 100 on every common build). */
const CLK_TCK = 100;

/** CPU seconds (user + system) a process has used, or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat: indexes 11 and 12 from the state field.
  const utime = Number(fields?.[11]);
  const stime = Number(fields?.[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / CLK_TCK;
}

/** Run id a process is tagged with (env TERRATOWER_RUN or -Dterratower.run= on its command line), if any. */
export function runTagOf(pid: number): { runId: string; command: string } | undefined {
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  const command = cmdline.split('\0').filter(Boolean).join(' ');
  const fromCmd = /-Dterratower\.run=([A-Za-z0-9._-]+)/.exec(cmdline);
  if (fromCmd) return { runId: fromCmd[1]!, command };
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const fromEnv = /(?:^|\0)TERRATOWER_RUN=([A-Za-z0-9._-]+)/.exec(environ);
    if (fromEnv) return { runId: fromEnv[1]!, command };
  } catch {
    // Not ours to read, or gone.
  }
  return undefined;
}

/** Pids of this process and its ancestors: never to be killed by a sweep. */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !out.has(pid)) {
    out.add(pid);
    const fields = statFields(pid);
    if (!fields) break;
    pid = Number(fields[1]);
  }
  return out;
}

/** Every live process tagged with `runId` (or with any run id when omitted), except this process and its ancestors. */
export function findTaggedProcesses(runId?: string): TaggedProcess[] {
  const skip = selfAndAncestors();
  const out: TaggedProcess[] = [];
  for (const pid of pids()) {
    if (skip.has(pid)) continue;
    const tag = runTagOf(pid);
    if (!tag || (runId !== undefined && tag.runId !== runId)) continue;
    const fields = statFields(pid);
    if (!fields || fields[0] === 'Z') continue;
    out.push({ pid, pgid: Number(fields[2]), runId: tag.runId, startTicks: Number(fields[19]), command: tag.command });
  }
  return out;
}

/** Whether `pid` still is the process seen before (same start time) and still carries the tag. */
export function stillSameTagged(p: TaggedProcess): boolean {
  const fields = statFields(p.pid);
  if (!fields || fields[0] === 'Z' || Number(fields[19]) !== p.startTicks) return false;
  return runTagOf(p.pid)?.runId === p.runId;
}

/** Whether a pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** A listening TCP socket. */
export interface ListeningSocket {
  address: string;
  port: number;
  inode: number;
}

function parseHexAddress(hex: string): { address: string; port: number } {
  const [ip, port] = hex.split(':');
  const n = parseInt(ip!, 16);
  // /proc/net/tcp stores IPv4 in host (little-endian) order.
  const address = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
  return { address, port: parseInt(port!, 16) };
}

/** IPv4-mapped IPv6 prefix (::ffff:0:0/96) as /proc/net/tcp6 writes it. */
const V4_MAPPED_PREFIX = '0000000000000000FFFF0000';

/**
 * Every listening IPv4 TCP socket in this process's network namespace, or in PID's (state 0A):
 * /proc/net/tcp, plus the IPv4-mapped
 * ones of /proc/net/tcp6 — a JVM without `-Djava.net.preferIPv4Stack=true` (Kafka) binds an IPv4
 * address through an IPv6 socket, which only /proc/net/tcp6 lists.
 */
export function listeningSockets(pid?: number): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  // /proc/PID/net is the socket table of PID's network namespace (a twin zone's, for its members).
  const base = pid === undefined ? '/proc/net' : `/proc/${pid}/net`;
  for (const file of [`${base}/tcp`, `${base}/tcp6`]) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      let local = cols[1]!;
      if (file.endsWith('6')) {
        if (!local.toUpperCase().startsWith(V4_MAPPED_PREFIX)) continue;
        local = local.slice(V4_MAPPED_PREFIX.length);
      }
      out.push({ ...parseHexAddress(local), inode: Number(cols[9]) });
    }
  }
  return out;
}

/** Listening sockets on the given addresses (any port). */
export function listenersOn(addresses: Iterable<string>, pid?: number): ListeningSocket[] {
  const wanted = new Set(addresses);
  return listeningSockets(pid).filter((s) => wanted.has(s.address));
}

/** Pid owning a socket inode, if it can be found. */
export function socketOwner(inode: number): number | undefined {
  const needle = `socket:[${inode}]`;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === needle) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** Send a signal, ignoring "no such process". Returns whether it was delivered. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Wait until none of `pids` is alive, or the timeout passes. Returns the pids still alive. */
export async function waitForExit(pidList: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pidList.filter(pidAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(pidAlive);
  }
  return alive;
}

/**
 * Stop a process the graceful way: SIGTERM (to its process group when `group`), wait up to
 * `graceMs` for it to exit, then SIGKILL. Resolves once it is gone (or after 5 s more);
 * returns whether it had to be killed.
 */
export async function stopGracefully(
  pid: number,
  graceMs: number,
  options: { group?: boolean } = {},
): Promise<boolean> {
  const target = options.group ? -pid : pid;
  if (!signal(target, 'SIGTERM')) return false;
  if ((await waitForExit([pid], graceMs)).length === 0) return false;
  signal(target, 'SIGKILL');
  await waitForExit([pid], 5000);
  return true;
}
