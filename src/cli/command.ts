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
