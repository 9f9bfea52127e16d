/**
 * Who the synthesized resources belong to: the stack name that prefixes every resource name,
 * the run id, and the tags that follow from them. Every construct takes a `StackIdentity`.
 */
import { PROJECT_TAG_VALUE, TAG_KEYS } from '../../spec/tags.ts';

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
