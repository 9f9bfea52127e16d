/**
 * The Terratest-style lifecycle in one call: apply, read outputs, run the scenario, and always
 * end the run — destroy (retried), or keep it with `keep` / `TERRATOWER_KEEP=1` — also when
 * apply fails or times out, the scenario throws, or the process gets SIGINT/SIGTERM.
 */
import type { TerraformOptions } from './options.ts';
import type { TerraformOutputs } from './outputs.ts';
import { TerraformRun } from './run.ts';

/** The scenario of {@link withDeployedStack}: gets the outputs and the run. */
export type DeployedScenario<T> = (outputs: TerraformOutputs, run: TerraformRun) => Promise<T>;

/** Both the scenario (or apply) and the destroy after it failed. */
export class LifecycleError extends Error {
  constructor(
    message: string,
    /** What failed first (apply, outputs or the scenario). */
    readonly primary: unknown,
    /** Why the destroy after it failed. */
    readonly cleanup: unknown,
  ) {
    super(message, { cause: primary });
    this.name = 'LifecycleError';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Deploys `options`' configuration, passes its outputs to `scenario`, and destroys it whatever
 * happens. Returns what `scenario` returns. When the scenario and the destroy both fail, throws a
 * {@link LifecycleError} that carries both.
 */
export async function withDeployedStack<T>(options: TerraformOptions, scenario: DeployedScenario<T>): Promise<T> {
  const run = await TerraformRun.create(options);
  let value: T;
  try {
    await run.apply();
    value = await scenario(await run.outputs(), run);
  } catch (primary) {
    try {
      await run.finish();
    } catch (cleanup) {
      throw new LifecycleError(
        `${messageOf(primary)}\n… and then destroy failed too: ${messageOf(cleanup)}`,
        primary,
        cleanup,
      );
    }
    throw primary;
  }
  await run.finish();
  return value;
}
