/**
 * Who the synthesized resources belong to: the stack name that prefixes every resource name,
 * the run id, and the tags that follow from them. Every construct takes a `StackIdentity`.
 */
import { createHash } from 'node:crypto';
import { PROJECT_TAG_VALUE, TAG_KEYS } from '../../spec/tags.ts';
import { DEFAULT_RUN_ID } from '../../spec/run-id.ts';

// DEFAULT_RUN_ID (src/spec/run-id.ts) is the run id of a stack deployed by hand (`terratower
// synth` without `--run-id`, `cdktf deploy`): its resource names carry no run suffix and its
// bucket is not force-destroyed.

/** Names and tags shared by every resource of one stack. */
export interface StackIdentity {
  /** Prefix of every resource name (the pipeline name, or `<name>-control` / `<name>-experiment`). */
  readonly stackName: string;
  /** Run id, tagged on every resource so a harness run can find and sweep what it made. */
  readonly runId: string;
  /** AWS region. */
  readonly region: string;
  /** Extra tags from the spec, on every resource. */
  readonly extraTags: Readonly<Record<string, string>>;
  /**
   * A run the harness deploys and destroys (tests, scenarios): the dataset bucket is
   * force-destroyed with its objects. @default true unless the run id is `DEFAULT_RUN_ID`
   */
  readonly disposable?: boolean;
}

/** True when the stack is a disposable (harness) run: see `StackIdentity.disposable`. */
export function isDisposable(identity: StackIdentity): boolean {
  return identity.disposable ?? identity.runId !== DEFAULT_RUN_ID;
}

/**
 * Prefix of every resource name: the stack name, followed by the run id for any run but
 * `DEFAULT_RUN_ID`, so two runs of one spec in one account name nothing alike (IAM roles,
 * Auto Scaling groups, launch templates, log groups are unique per account and region).
 */
export function namePrefix(identity: StackIdentity): string {
  return identity.runId === DEFAULT_RUN_ID ? identity.stackName : `${identity.stackName}-${identity.runId}`;
}

/**
 * `name` cut to `maxLength` characters: a longer name keeps its start and ends in 8 hex
 * characters of its SHA-256, so it stays unique and deterministic.
 */
export function fitName(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, maxLength - hash.length - 1).replace(/[-.]+$/, '')}-${hash}`;
}

/**
 * The name of one of the stack's resources: `<stack>[-<run id>]-<suffix>`, at most `maxLength`
 * characters (64 by default: IAM role names).
 */
export function resourceName(identity: StackIdentity, suffix: string, maxLength = 64): string {
  return fitName(suffix ? `${namePrefix(identity)}-${suffix}` : namePrefix(identity), maxLength);
}

/**
 * The dataset bucket's name for a run: `bucket` itself for `DEFAULT_RUN_ID`, else
 * `<bucket>-<run id>` (bucket names are global: two runs must not share one), at most 63
 * characters.
 */
export function runBucketName(identity: StackIdentity, bucket: string): string {
  return identity.runId === DEFAULT_RUN_ID ? bucket : fitName(`${bucket}-${identity.runId}`, 63);
}

/** Tags on every resource of the stack (the provider's default_tags). */
export function commonTags(identity: StackIdentity): Record<string, string> {
  return {
    ...identity.extraTags,
    [TAG_KEYS.project]: PROJECT_TAG_VALUE,
    [TAG_KEYS.stack]: identity.stackName,
    [TAG_KEYS.runId]: identity.runId,
  };
}

/** Where a resource sits: its group, and its zone and member where it has one. */
export interface Placement {
  /** Group: `network`, `dataset`, `kafka`, `cassandra`, `producers`, `consumers`, `monitoring`. */
  group: string;
  /** Zone, for resources that live in one zone. */
  zone?: string;
  /** Member id, for a stateful member's resources. */
  member?: string;
}

/**
 * Per-resource tags: `Name`, the stack tag (so two pipelines can share a provider, as in
 * `ExperimentStack`), group, zone and member. default_tags add project, run id and extra tags.
 */
export function placementTags(identity: StackIdentity, name: string, placement: Placement): Record<string, string> {
  const tags: Record<string, string> = {
    Name: name,
    [TAG_KEYS.stack]: identity.stackName,
    [TAG_KEYS.group]: placement.group,
  };
  if (placement.zone) tags[TAG_KEYS.zone] = placement.zone;
  if (placement.member) tags[TAG_KEYS.member] = placement.member;
  return tags;
}

/**
 * Every tag an instance launched by an Auto Scaling group must carry. Provider default_tags do
 * not reach ASG-launched instances, so ASGs and launch templates list them all.
 */
export function instanceTags(identity: StackIdentity, name: string, placement: Placement): Record<string, string> {
  return { ...commonTags(identity), ...placementTags(identity, name, placement) };
}
