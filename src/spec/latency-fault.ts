/**
 * Limits of the `latency` fault (delay and loss between zones), checked in one place by every
 * target and by the scenario engine before anything is changed.
 */

/** The figures of a latency fault (the Target vocabulary's `ZoneLatency`). */
export interface LatencyFaultFigures {
  delayMs: number;
  lossPercent?: number;
  seconds: number;
}

/** Largest added one-way delay, ms. */
export const MAX_LATENCY_DELAY_MS = 60_000;
/** Longest latency fault, seconds. */
export const MAX_LATENCY_SECONDS = 3600;

/** What is wrong with a latency fault's figures, in one line naming the fix; undefined when nothing is. */
export function latencyFaultProblem(l: LatencyFaultFigures): string | undefined {
  const loss = l.lossPercent ?? 0;
  if (!(Number.isFinite(l.delayMs) && l.delayMs >= 0 && l.delayMs <= MAX_LATENCY_DELAY_MS))
    return `latency delayMs ${l.delayMs}: use 0 to ${MAX_LATENCY_DELAY_MS} (milliseconds, one way)`;
  if (!(Number.isFinite(loss) && loss >= 0 && loss <= 100)) return `latency lossPercent ${loss}: use 0 to 100`;
  if (!(Number.isFinite(l.seconds) && l.seconds > 0 && l.seconds <= MAX_LATENCY_SECONDS))
    return `latency seconds ${l.seconds}: use more than 0, at most ${MAX_LATENCY_SECONDS}`;
  if (l.delayMs === 0 && loss === 0)
    return 'latency with delayMs 0 and lossPercent 0 changes nothing: give a delay, a loss, or both';
  return undefined;
}

/** "+50 ms, 1 % loss for 30 s": how journals and reports name a latency fault. */
export function describeLatencyFault(l: LatencyFaultFigures): string {
  const parts = [
    ...(l.delayMs > 0 ? [`+${l.delayMs} ms`] : []),
    ...((l.lossPercent ?? 0) > 0 ? [`${l.lossPercent} % loss`] : []),
  ];
  // Figures that add nothing (or are invalid) are shown as given.
  const what = parts.length > 0 ? parts.join(', ') : `delay ${l.delayMs} ms, ${l.lossPercent ?? 0} % loss`;
  return `${what} for ${l.seconds} s`;
}
