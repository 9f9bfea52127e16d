/**
 * Experiment files (YAML or JSON): which scenario(s), which variants (spec overrides), how many
 * repetitions, which target, and how the variants run. Validated like the spec: every problem at
 * once, each with its path and the fix, before anything is deployed. A variant's overrides are
 * validated by merging them into the spec the scenario deploys and running the spec's own rules
 * on the result (`variants.rf2.kafka.minInSyncReplicas: …`).
 *
 * ```yaml
 * name: rf3-vs-rf2
 * scenarios: [broker-loss]
 * target: local
 * repetitions: 3
 * mode: interleaved            # or parallel: control and experimental at the same time
 * variants:
 *   rf3: {}
 *   rf2: { kafka: { replicationFactor: 2, minInSyncReplicas: 1 } }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  defaultSpec,
  mergeSpec,
  specIssues,
  unknownKeyIssues,
  type PipelineSpec,
  type PipelineSpecInput,
  type SpecIssue,
} from '../spec/index.ts';
import { SCENARIOS, type ScenarioDefinition } from '../harness/scenarios/index.ts';

/** How variants run: one after another, interleaved (A B A B …), or two at once (control + experimental). */
export type ExperimentMode = 'interleaved' | 'parallel';

/** In parallel mode, which group gets the scenario's faults. */
export type FaultPlacement = 'experimental' | 'both';

/** One variant, resolved. */
export interface Variant {
  name: string;
  /** The overrides as written. */
  overrides: PipelineSpecInput;
  /** The spec deployed for each scenario (default ← file `spec` ← scenario's fields ← overrides), validated. */
  specs: Record<string, PipelineSpec>;
}

/** A validated experiment. */
export interface Experiment {
  name: string;
  description: string;
  scenarios: ScenarioDefinition[];
  target: 'local' | 'aws';
  repetitions: number;
  /** As asked; `auto` is decided at run time from the machine (see ./schedule.ts). */
  mode: ExperimentMode | 'auto';
  /** Parallel mode: faults on the experimental group only (the default, as on AWS's ExperimentStack), or on both. */
  faults: FaultPlacement;
  variants: Variant[];
  /** The scenarios' seed for every run (the same for every variant). @default each scenario's own */
  seed?: number;
  /** The file's base spec overrides (merged over the default spec). */
  spec: PipelineSpecInput;
  /** Where it was read from. */
  source?: string;
}

/** One problem with an experiment file. */
export type ExperimentIssue = SpecIssue;

/** Every problem found in an experiment file; nothing was deployed. */
export class ExperimentError extends Error {
  readonly issues: ExperimentIssue[];

  /** @param issues the problems; the message lists every one, one per line. */
  constructor(issues: ExperimentIssue[], source?: string) {
    super(
      `invalid experiment${source ? ` ${source}` : ''}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'ExperimentError';
    this.issues = issues;
  }
}

const TOP_KEYS = [
  'name',
  'description',
  'scenario',
  'scenarios',
  'target',
  'repetitions',
  'mode',
  'faults',
  'variants',
  'seed',
  'spec',
] as const;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VARIANT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}$/;
/** Repetitions above this are refused: a twin run takes minutes. */
export const MAX_REPETITIONS = 50;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Options of validation. */
export interface ValidateExperimentOptions {
  /** Scenarios the file may name, besides the shipped ones (tests, users' own). */
  scenarios?: readonly ScenarioDefinition[];
  /** Where it came from (shown in the error). */
  source?: string;
}

/**
 * Validate a parsed experiment document.
 * @throws ExperimentError listing every issue, each with its path and fix.
 */
export function validateExperiment(input: unknown, options: ValidateExperimentOptions = {}): Experiment {
  const issues: ExperimentIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (!isRecord(input)) {
    throw new ExperimentError(
      [
        {
          path: '(file)',
          message: `must be a mapping with name, scenarios, variants, repetitions (got ${Array.isArray(input) ? 'a list' : typeof input})`,
        },
      ],
      options.source,
    );
  }
  for (const key of Object.keys(input))
    if (!(TOP_KEYS as readonly string[]).includes(key))
      add(key, `is not an experiment field: remove it or fix its spelling (known: ${TOP_KEYS.join(', ')})`);

  // name, description
  let name = '';
  if (typeof input.name !== 'string') add('name', 'is required: give the experiment a name such as "rf3-vs-rf2"');
  else if (!NAME.test(input.name))
    add('name', `"${input.name}" must be 1–63 lowercase letters, digits or hyphens, starting with a letter or digit`);
  else name = input.name;
  if (input.description !== undefined && typeof input.description !== 'string')
    add('description', 'must be a string: quote it');

  // scenarios
  const known = [...SCENARIOS, ...(options.scenarios ?? [])];
  const knownNames = known.map((s) => s.name).join(', ');
  const scenarios: ScenarioDefinition[] = [];
  if (input.scenario !== undefined && input.scenarios !== undefined)
    add('scenario', 'give either scenario or scenarios, not both: move it into the scenarios list');
  const rawScenarios = input.scenarios ?? (input.scenario === undefined ? undefined : [input.scenario]);
  const scenariosPath = input.scenarios !== undefined ? 'scenarios' : 'scenario';
  if (rawScenarios === undefined) add('scenarios', `is required: list the scenario(s) to run (one of ${knownNames})`);
  else if (!Array.isArray(rawScenarios) || rawScenarios.length === 0)
    add(scenariosPath, `must be a non-empty list of scenario names (one of ${knownNames})`);
  else
    rawScenarios.forEach((s, i) => {
      const path = input.scenarios !== undefined ? `scenarios[${i}]` : 'scenario';
      const def = typeof s === 'string' ? known.find((k) => k.name === s) : undefined;
      if (!def) add(path, `${JSON.stringify(s)} is not a known scenario: use one of ${knownNames}`);
      else if (scenarios.includes(def)) add(path, `"${s}" is listed twice: remove the repeat`);
      else scenarios.push(def);
    });

  // target, repetitions, mode, faults, seed
  const target = input.target ?? 'local';
  if (target !== 'local' && target !== 'aws') add('target', `is ${JSON.stringify(target)} but must be local or aws`);
  const repetitions = input.repetitions ?? 3;
  if (!Number.isInteger(repetitions) || (repetitions as number) < 1 || (repetitions as number) > MAX_REPETITIONS)
    add(
      'repetitions',
      `is ${JSON.stringify(repetitions)} but must be a whole number from 1 to ${MAX_REPETITIONS}: 3–5 is usual (intervals narrow with more)`,
    );
  const mode = input.mode ?? 'interleaved';
  if (mode !== 'interleaved' && mode !== 'parallel' && mode !== 'auto')
    add('mode', `is ${JSON.stringify(mode)} but must be interleaved, parallel or auto`);
  const faults = input.faults ?? 'experimental';
  if (faults !== 'experimental' && faults !== 'both')
    add('faults', `is ${JSON.stringify(faults)} but must be experimental or both`);
  if (input.faults !== undefined && mode === 'interleaved')
    add('faults', 'applies only to mode parallel (interleaved runs give every variant the whole scenario): remove it');
  if (input.seed !== undefined && !Number.isInteger(input.seed)) add('seed', 'must be a whole number');

  // base spec
  let base: PipelineSpec = defaultSpec();
  const specInput = input.spec ?? {};
  let baseOk = true;
  if (!isRecord(specInput)) {
    add('spec', 'must be a mapping of spec fields merged over the default spec (e.g. "kafka: { partitions: 12 }")');
    baseOk = false;
  } else {
    const unknown = unknownKeyIssues(specInput);
    for (const i of unknown) add(`spec.${i.path}`, i.message);
    base = mergeSpec(base, specInput as PipelineSpecInput);
    const baseIssues = specIssues(base);
    for (const i of baseIssues) add(`spec.${i.path}`, i.message);
    baseOk = unknown.length === 0 && baseIssues.length === 0;
  }

  // variants
  const variants: Variant[] = [];
  const rawVariants = input.variants;
  if (!isRecord(rawVariants)) {
    add(
      'variants',
      'is required: a mapping of variant name → spec overrides, at least two, e.g. "control: {}" and "rf2: { kafka: { replicationFactor: 2, minInSyncReplicas: 1 } }"',
    );
  } else {
    const entries = Object.entries(rawVariants);
    if (entries.length < 2) add('variants', `has ${entries.length} variant(s): give at least two to compare`);
    if (mode === 'parallel' && entries.length !== 2)
      add(
        'variants',
        `mode parallel runs exactly two variants (control first, experimental second), got ${entries.length}: keep two, or use mode interleaved`,
      );
    for (const [vname, overrides] of entries) {
      const vpath = `variants.${vname}`;
      if (!VARIANT_NAME.test(vname))
        add(vpath, 'the name must be 1–32 letters, digits, "_" or "-", starting with a letter or digit');
      const o = overrides ?? {};
      if (!isRecord(o)) {
        add(vpath, 'must be a mapping of spec overrides ({} for none), e.g. { kafka: { replicationFactor: 2 } }');
        continue;
      }
      const unknown = unknownKeyIssues(o);
      for (const i of unknown) add(`${vpath}.${i.path}`, i.message);
      const specs: Record<string, PipelineSpec> = {};
      if (baseOk && unknown.length === 0) {
        const seen = new Set<string>();
        // Without a valid scenario the overrides are still checked, over the base spec alone.
        for (const def of scenarios.length > 0 ? scenarios : [undefined]) {
          const spec = mergeSpec(mergeSpec(base, def?.spec ?? {}), o as PipelineSpecInput);
          for (const i of specIssues(spec)) {
            const key = `${i.path}\u0000${i.message}`;
            if (seen.has(key)) continue;
            seen.add(key);
            add(
              `${vpath}.${i.path}`,
              scenarios.length > 1 && def ? `${i.message} (with scenario ${def.name})` : i.message,
            );
          }
          if (def) specs[def.name] = spec;
        }
      }
      variants.push({ name: vname, overrides: o as PipelineSpecInput, specs });
    }
    // Identical variants compare nothing.
    for (let a = 0; a < variants.length; a++)
      for (let b = a + 1; b < variants.length; b++) {
        const va = variants[a]!;
        const vb = variants[b]!;
        if (
          Object.keys(va.specs).length > 0 &&
          scenarios.every((s) => JSON.stringify(va.specs[s.name]) === JSON.stringify(vb.specs[s.name]))
        )
          add(`variants.${vb.name}`, `deploys the same spec as ${va.name}: change an override, or remove one of them`);
      }
  }

  if (issues.length > 0) throw new ExperimentError(issues, options.source);
  const experiment: Experiment = {
    name,
    description: typeof input.description === 'string' ? input.description : '',
    scenarios,
    target: target as 'local' | 'aws',
    repetitions: repetitions as number,
    mode: mode as Experiment['mode'],
    faults: faults as FaultPlacement,
    variants,
    spec: specInput as PipelineSpecInput,
  };
  if (input.seed !== undefined) experiment.seed = input.seed as number;
  if (options.source !== undefined) experiment.source = options.source;
  return experiment;
}

/**
 * Parse experiment text: JSON when the source ends in .json, YAML otherwise.
 * @throws ExperimentError with path `(file)` when it does not parse.
 */
export function parseExperimentText(text: string, source = 'experiment'): unknown {
  const json = /\.json$/i.test(source);
  try {
    return json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ExperimentError(
      [{ path: '(file)', message: `cannot parse as ${json ? 'JSON' : 'YAML'}: ${detail}` }],
      source,
    );
  }
}

/**
 * Read and validate an experiment file.
 * @throws ExperimentError when it cannot be read, does not parse, or breaks any rule.
 */
export async function loadExperimentFile(
  path: string,
  options: Omit<ValidateExperimentOptions, 'source'> = {},
): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ExperimentError([{ path: '(file)', message: `cannot read ${path} (${code}): check the path` }], path);
  }
  return validateExperiment(parseExperimentText(text, path), { ...options, source: path });
}

/** The experiment as plain JSON (scenario names instead of definitions): what the store keeps. */
export function experimentDefinition(e: Experiment): Record<string, unknown> {
  return {
    name: e.name,
    description: e.description,
    scenarios: e.scenarios.map((s) => s.name),
    target: e.target,
    repetitions: e.repetitions,
    mode: e.mode,
    faults: e.faults,
    spec: e.spec,
    variants: Object.fromEntries(e.variants.map((v) => [v.name, v.overrides])),
    ...(e.seed !== undefined ? { seed: e.seed } : {}),
  };
}
