/**
 * The "skipped objects" class of the ledger: objects a producer could not read at all (corrupt
 * compression, not UTF-8 text, not the dataset's CSV header). A producer accounts for each with
 * one dead letter of kind `unreadable-object` (key `<object>:0`); the ledger counts them apart
 * from malformed records, once per object.
 */

/** The dead-letter kind of a skipped object (apps/shared/messages.ts `ObjectFailureKind`). */
export const SKIPPED_OBJECT_KIND = 'unreadable-object';

/** The object a dead letter's value says was skipped, if it is such a letter. */
export function skippedObjectOf(value: { kind?: unknown; object?: unknown } | null): string | undefined {
  return value && value.kind === SKIPPED_OBJECT_KIND && typeof value.object === 'string' ? value.object : undefined;
}

/** Collects skipped objects (each counted once, however often its dead letter was sent). */
export class SkippedObjects {
  private readonly objects = new Map<string, string>();

  /** Record a skipped object and why. */
  add(object: string, reason: string): void {
    if (!this.objects.has(object)) this.objects.set(object, reason);
  }

  /** Distinct skipped objects. */
  get count(): number {
    return this.objects.size;
  }

  /** Up to `n` examples, `object: reason`. */
  samples(n: number): string[] {
    return [...this.objects].slice(0, n).map(([object, reason]) => `${object}: ${reason}`);
  }
}
