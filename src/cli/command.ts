import { SpecError } from '../spec/validate.ts';

/** A subcommand: takes the arguments after its name, returns the process exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** An error meant for the user: printed as one message, without a stack trace. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/**
 * Print an error the way every command does and return the exit code: a CommandError as its
 * message; a SpecError with every issue on its own line; anything else as its first line only
 * (the stack trace with `TERRATOWER_DEBUG=1`).
 */
export function reportError(error: unknown, command = 'terratower'): number {
  if (error instanceof CommandError) {
    console.error(`${command}: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof SpecError) {
    console.error(`${command}: ${error.message}`);
    return 1;
  }
  if (process.env.TERRATOWER_DEBUG) console.error(error);
  else {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${command}: ${message.split('\n')[0]} (TERRATOWER_DEBUG=1 shows the stack trace)`);
  }
  return 1;
}
