/**
 * Argument parsing every subcommand shares: `--help`/`-h` prints the usage on stdout, an unknown
 * flag or a missing value is one line naming it plus the usage, exit code 2, no stack trace.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { checkRunId, SpecError } from '../spec/index.ts';
import { CommandError } from './command.ts';

/** What a subcommand declares: its options (without `help`) and whether it takes positionals. */
export interface CommandArgsConfig {
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
}

type WithHelp<T extends CommandArgsConfig> = {
  args: string[];
  options: T['options'] & { help: { type: 'boolean'; short: 'h' } };
  allowPositionals: T['allowPositionals'] extends true ? true : false;
  strict: true;
};

/** Parsed flags and positionals of one command line. */
export type CommandArgs<T extends CommandArgsConfig> = ReturnType<typeof parseArgs<WithHelp<T>>>;

/**
 * Parse `argv` strictly. Returns undefined when `--help` was given (the usage is printed on
 * stdout: the caller exits 0).
 * @throws CommandError (exit 2) for an unknown flag, a flag without its value, or stray positionals
 */
export function parseCommandArgs<T extends CommandArgsConfig>(
  argv: string[],
  config: T,
  usage: string,
): CommandArgs<T> | undefined {
  let parsed: CommandArgs<T>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...config.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: config.allowPositionals === true,
      strict: true,
    } as WithHelp<T>);
  } catch (error) {
    // Node's message ends with advice about `--` that does not apply to our commands.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new CommandError(`${message}\n\n${usage}`, 2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return undefined;
  }
  return parsed;
}

/** A `--run-id` value checked against the run-id rule, the flag named in the message. */
export function runIdFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return checkRunId(value, '--run-id');
  } catch (error) {
    if (error instanceof SpecError)
      throw new CommandError(error.issues.map((i) => `${i.path} ${i.message}`).join('; '), 2);
    throw error;
  }
}

/** A `--slot` value: an integer 0–7. */
export function slotFlag(value: string | undefined, fallback = 0): number {
  if (value === undefined) return fallback;
  const slot = Number(value);
  if (!Number.isInteger(slot) || slot < 0 || slot > 7) {
    throw new CommandError(`--slot ${value}: use an integer from 0 to 7`, 2);
  }
  return slot;
}

/** An `--endpoint`-style URL flag: http(s) only. */
export function urlFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CommandError(`--${flag} "${value}" is not a URL: give one like http://127.0.0.1:5000`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CommandError(`--${flag} "${value}" must be an http:// or https:// URL`, 2);
  }
  return value;
}

/** An existing directory given on the command line (`what` names it in the message). */
export function existingDir(what: string, value: string): string {
  const path = resolve(value);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new CommandError(`${what} ${value} does not exist: give an existing directory`, 2);
  }
  if (!isDir) throw new CommandError(`${what} ${value} is not a directory`, 2);
  return path;
}

/** An output directory, created now so a bad `--out` fails before any work is done. */
export function outputDir(flag: string, value: string): string {
  const path = resolve(value);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CommandError(`--${flag} ${value}: cannot create the directory (${code}): choose a writable directory`, 2);
  }
  return path;
}

/**
 * A command made of subcommands (`runs list`, `runs show ID`, …): runs the one named first, prints
 * the usage for none or `--help`, also after a subcommand (exit 2 and 0), and names an unknown one
 * with the usage (exit 2).
 */
export function withSubcommands(
  command: string,
  table: Record<string, (argv: string[]) => Promise<number>>,
  usage: string,
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : table[sub];
    // `runs export --help`: the usage, before the subcommand's strict parser calls it an unknown option.
    const ownArgs = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (run && (ownArgs.includes('--help') || ownArgs.includes('-h'))) {
      console.log(usage);
      return 0;
    }
    if (run) return run(rest);
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(usage);
      return sub ? 0 : 2;
    }
    throw new CommandError(`${command}: unknown subcommand "${sub}"\n\n${usage}`, 2);
  };
}
