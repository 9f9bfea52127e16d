/**
 * What the daemon says about control ticks that throw on a ready twin: the first failure of a
 * kind, once (a tick runs several times a second, and the same launch fails the same way until
 * its cause is gone), and that the ticks recovered, once they do. A failure after a recovery is
 * said again, even with the same message.
 */
export class TickErrorReporter {
  private failing?: string;

  /** A tick threw: the line to log, or undefined when this failure was already said. */
  failed(error: Error): string | undefined {
    if (error.message === this.failing) return undefined;
    this.failing = error.message;
    return `terratower: a control tick failed, trying again at the next: ${error.message}`;
  }

  /** A tick ran through: the line to log when it ends a run of failures, else undefined. */
  succeeded(): string | undefined {
    if (this.failing === undefined) return undefined;
    this.failing = undefined;
    return 'terratower: control ticks run again';
  }
}
