/**
 * Tag keys that terratower puts on every AWS resource it synthesizes. The harness finds a run's
 * resources by them and `terratower nuke` sweeps leftovers by `runId`. Plain constants: this
 * module must not import cdktf.
 */
export const TAG_KEYS = {
  /** Always `terratower`: marks a resource as made by this tool. */
  project: 'terratower:project',
  /** Name of the stack (the pipeline name, or `<name>-control` / `<name>-experiment`). */
  stack: 'terratower:stack',
  /** Run id given to the stack at synth time. */
  runId: 'terratower:run-id',
  /** Group the resource belongs to: `network`, `dataset`, `kafka`, `cassandra`, `producers`, `consumers`, `monitoring`. */
  group: 'terratower:group',
  /** Availability zone, where the resource lives in one zone. */
  zone: 'terratower:zone',
  /** Stable member id of a stateful member (`kafka-1`, `cassandra-2`). */
  member: 'terratower:member',
  /** On stateful data volumes only: `<stack>[-<run id>]`, the run-scoped tag the snapshot policy targets. */
  snapshot: 'terratower:snapshot',
  /** AMI role: what an AMI was baked for (`kafka`, `cassandra`, `app` — producers and consumers — or `monitoring`). */
  amiRole: 'terratower:role',
} as const;

/** The value of the `project` tag. */
export const PROJECT_TAG_VALUE = 'terratower';

/** Keys users may not set in `spec.tags`: terratower owns them. */
export const RESERVED_TAG_KEYS: readonly string[] = Object.values(TAG_KEYS);
