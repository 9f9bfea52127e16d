/**
 * cdktf records where every token was created (each attribute reference, `Lazy`, `Fn` call): a
 * stack trace of unbounded depth, captured and formatted at creation, and read only when that
 * token later fails to resolve. The default stack creates thousands of tokens, and those traces
 * cost about 30 ms of the 400 ms `terratower synth` took (bench/package.ts). terratower's own synthesis
 * (`synthesize`: the CLI, main.ts, the harness) turns the capture off while it builds and
 * synthesizes, as cdktf's `stackTraces: false` does for construct metadata; a user's own app that
 * imports the constructs keeps cdktf's behaviour. `TERRATOWER_CREATION_STACKS=1` keeps the traces
 * (for debugging a token that does not resolve).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { switchedOn } from '../../support/env.ts';

const require = createRequire(import.meta.url);

interface StackTraceModule {
  captureStackTrace: (below?: unknown) => string[];
}

const NOT_RECORDED = ['(creation stack not recorded: set TERRATOWER_CREATION_STACKS=1 to record it)'];

/** cdktf's stack-trace module (its call sites look the function up on it at each call), if this cdktf has one. */
function stackTraceModule(): StackTraceModule | undefined {
  const file = join(dirname(require.resolve('cdktf')), 'tokens', 'private', 'stack-trace.js');
  if (!existsSync(file)) return undefined;
  const module = require(file) as Partial<StackTraceModule>;
  return typeof module.captureStackTrace === 'function' ? (module as StackTraceModule) : undefined;
}

/** Run `work` with cdktf's token creation stacks off (see the module comment), then put them back. */
export function withoutCreationStacks<T>(work: () => T): T {
  if (switchedOn(process.env.TERRATOWER_CREATION_STACKS)) return work();
  const module = stackTraceModule();
  if (!module) return work();
  const capture = module.captureStackTrace;
  module.captureStackTrace = () => NOT_RECORDED;
  try {
    return work();
  } finally {
    module.captureStackTrace = capture;
  }
}
