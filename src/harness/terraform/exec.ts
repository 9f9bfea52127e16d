/**
 * Runs one terraform/tofu command: in its own process group (so a timeout or an abort stops
 * terraform *and* the provisioner commands it started), with every output line prefixed and
 * streamed to stderr and appended to a log file.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { execa } from 'execa';

/** One command to run. */
export interface CommandSpec {
  /** Executable. */
  binaryPath: string;
  /** Arguments, e.g. `['apply', '-auto-approve']`. */
  args: readonly string[];
  /** Working directory (the run dir). */
  cwd: string;
  /** Environment on top of the process environment. */
  env: Readonly<Record<string, string>>;
  /** Time limit, ms. */
  timeoutMs: number;
  /** After SIGINT (timeout or abort): ms before the process group gets SIGKILL. */
  killGraceMs: number;
  /** Log file the output is appended to. */
  logFile: string;
  /** Prefix of streamed lines: `[prefix] line`. */
  prefix: string;
  /** Also write lines to stderr. */
  echo: boolean;
  /** Aborting stops the command as a timeout does. */
  signal?: AbortSignal;
}

/** How a command ended. */
export interface CommandResult {
  /** The arguments it ran with. */
  args: readonly string[];
  /** Exit code; undefined when it died from a signal. */
  exitCode: number | undefined;
  /** Signal that ended it, if any. */
  signal: string | undefined;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Both, interleaved as they arrived. */
  output: string;
  /** It ran past its time limit and was stopped. */
  timedOut: boolean;
  /** It was stopped through the abort signal. */
  aborted: boolean;
  /** Wall time, ms. */
  durationMs: number;
  /** Process id it ran as (also its process group id). */
  pid: number | undefined;
}

/** True when the command exited 0 by itself. */
export function succeeded(result: CommandResult): boolean {
  return result.exitCode === 0 && !result.timedOut && !result.aborted;
}

/** Sends `signal` to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Splits a stream of chunks into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): { push: (chunk: string) => void; flush: () => void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      let index: number;
      while ((index = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, index).replace(/\r$/, ''));
        pending = pending.slice(index + 1);
      }
    },
    flush() {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

/**
 * Runs the command to its end and resolves with how it ended; never rejects for a non-zero
 * exit, a timeout or an abort (the caller decides what they mean).
 */
export async function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const started = Date.now();
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const header = `# ${new Date(started).toISOString()} ${spec.binaryPath} ${spec.args.join(' ')}`;
  log.write(`${header}\n`);
  const chunks = { stdout: [] as string[], stderr: [] as string[], all: [] as string[] };
  const emit = (line: string): void => {
    log.write(`${line}\n`);
    if (spec.echo) process.stderr.write(`[${spec.prefix}] ${line}\n`);
  };

  const subprocess = execa(spec.binaryPath, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: true,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
  });
  const pid = subprocess.pid;
  let timedOut = false;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = (why: 'timeout' | 'abort'): void => {
    if (timedOut || aborted || pid === undefined) return;
    if (why === 'timeout') timedOut = true;
    else aborted = true;
    emit(`# ${why === 'timeout' ? `timed out after ${spec.timeoutMs} ms` : 'aborted'}: SIGINT to process group ${pid}`);
    signalGroup(pid, 'SIGINT');
    killTimer = setTimeout(() => {
      emit(`# still running ${spec.killGraceMs} ms after SIGINT: SIGKILL to process group ${pid}`);
      signalGroup(pid, 'SIGKILL');
    }, spec.killGraceMs);
  };
  const timer = setTimeout(() => stop('timeout'), spec.timeoutMs);
  const onAbort = (): void => stop('abort');
  if (spec.signal?.aborted) onAbort();
  else spec.signal?.addEventListener('abort', onAbort, { once: true });

  for (const name of ['stdout', 'stderr'] as const) {
    const stream = subprocess[name];
    if (!stream) continue;
    stream.setEncoding('utf8');
    const splitter = lineSplitter((line) => {
      chunks[name].push(line);
      chunks.all.push(line);
      emit(line);
    });
    stream.on('data', (chunk: string) => splitter.push(chunk));
    stream.on('end', () => splitter.flush());
  }

  const result = await subprocess;
  clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  spec.signal?.removeEventListener('abort', onAbort);
  // Whatever terraform left in its group after a stop (a provisioner's children) goes too.
  if ((timedOut || aborted) && pid !== undefined) signalGroup(pid, 'SIGKILL');

  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : undefined;
  const durationMs = Date.now() - started;
  log.write(
    `# exit ${exitCode ?? result.signal ?? '?'} after ${durationMs} ms${timedOut ? ' (timed out)' : ''}${aborted ? ' (aborted)' : ''}\n`,
  );
  await closeStream(log);
  return {
    args: spec.args,
    exitCode,
    signal: result.signal ?? undefined,
    stdout: chunks.stdout.join('\n'),
    stderr: chunks.stderr.join('\n'),
    output: chunks.all.join('\n'),
    timedOut,
    aborted,
    durationMs,
    pid,
  };
}
