/**
 * Synthesis runs faster with Node's source-map support off (tsx turns it on). cdktf captures a
 * full stack trace for every token it creates, and the provider modules carry large inline
 * source maps that Node would decode at load: with maps on, loading and synthesizing the
 * default stack costs about twice the CPU (bench/synth.ts). Plain module: no cdktf here.
 */

/**
 * Run `work` (load the stack modules, build, synthesize) with source maps off, then restore the
 * previous setting. Stack traces of errors thrown inside point at transpiled code.
 */
export async function withSourceMapsOff<T>(work: () => Promise<T>): Promise<T> {
  const before = (process as NodeJS.Process & { sourceMapsEnabled?: boolean }).sourceMapsEnabled ?? false;
  process.setSourceMapsEnabled(false);
  try {
    return await work();
  } finally {
    if (before) process.setSourceMapsEnabled(true);
  }
}
