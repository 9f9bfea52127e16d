/**
 * The open-model schedule: at a rate of R records/s, record k of a run is due at
 * `start + k / R` whatever the pipeline does, so a producer held up by a slow or dead broker
 * falls behind its schedule and the lag shows (a closed-loop measurement would simply send later
 * and hide it: coordinated omission). The schedule restarts when the rate changes and when a
 * producer starts an object (new demand); at rate 0 (unlimited) every record is due when sent.
 */
export class OpenSchedule {
  private rate = 0;
  private start = 0;
  private issued = 0;

  /** @param now wall clock in ms (tests pass a fake) */
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Start a new schedule at `recordsPerSecond` (0 = none) from now. */
  restart(recordsPerSecond = this.rate): void {
    this.rate = recordsPerSecond;
    this.start = this.now();
    this.issued = 0;
  }

  /**
   * Take the next `n` records of the schedule; returns the due time (ms) of record i of them.
   * At rate 0 they are due now.
   */
  take(n: number): (i: number) => number {
    const now = this.now();
    if (this.rate <= 0) return () => now;
    const first = this.issued;
    this.issued += n;
    const { start, rate } = this;
    return (i) => start + ((first + i) / rate) * 1000;
  }
}
