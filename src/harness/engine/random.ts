/**
 * Seeded randomness, so a scenario run repeats: the same seed gives the same random-termination
 * schedule and the same member picks.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Mulberry32: small, fast, good enough for picking victims; never for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive an independent stream for one step from the scenario seed and the step's index. */
export function streamFor(seed: number, stepIndex: number): Random {
  return seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) + stepIndex * 0x85ebca6b) >>> 0);
}

/**
 * Offsets (seconds from the window's start) of Chaos-Monkey kills: a Poisson process with mean
 * gap `meanIntervalSeconds`, cut at `windowSeconds`. Gaps are exponential: −mean·ln(1−u).
 */
export function terminationSchedule(random: Random, meanIntervalSeconds: number, windowSeconds: number): number[] {
  if (!(meanIntervalSeconds > 0)) throw new Error(`meanIntervalSeconds must be > 0, got ${meanIntervalSeconds}`);
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += -meanIntervalSeconds * Math.log(1 - random());
    if (t >= windowSeconds) return times;
    times.push(Math.round(t * 1000) / 1000);
  }
}

/** Pick `n` distinct items, in a seeded order (partial Fisher–Yates on a sorted copy). */
export function pickDistinct<T>(random: Random, items: readonly T[], n: number, key: (item: T) => string): T[] {
  const pool = [...items].sort((a, b) => key(a).localeCompare(key(b)));
  const count = Math.min(n, pool.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}
