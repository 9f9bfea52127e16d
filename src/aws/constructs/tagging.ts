/**
 * Tags wherever a construct is used: an aspect that gives every taggable resource under a
 * construct the stack's common tags (project, stack, run id and the user's extra tags) beneath
 * its own. Provider `default_tags` carry them in `PipelineStack`; a construct placed in a user's
 * own stack, with another provider configuration, carries them through this aspect, so the sweep
 * by run tag finds its resources too.
 */
import { Aspects, TerraformResource } from '../cdktf.ts';
import type { IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { commonTags, type StackIdentity } from './identity.ts';

/** A resource with a `tags` argument (every generated taggable AWS resource has both accessors). */
interface Taggable {
  tags: Record<string, string> | undefined;
  readonly tagsInput: Record<string, string> | undefined;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return node instanceof TerraformResource && 'tagsInput' in node && 'tags' in node;
}

/** Adds `tags` under each taggable resource's own tags (its own win on a shared key). */
export class CommonTagsAspect implements IAspect {
  /** @param tags the tags to add */
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  /** Called by cdktf for each node under the construct at synth. */
  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    const own = node.tagsInput;
    if (own !== undefined && (typeof own !== 'object' || Array.isArray(own))) return; // a token: leave it
    node.tags = { ...this.tags, ...own };
  }
}

/** Tag every taggable resource under `scope` with `identity`'s common tags (idempotent). */
export function tagWithIdentity(scope: IConstruct, identity: StackIdentity): void {
  const aspects = Aspects.of(scope);
  if (aspects.all.some((a) => a instanceof CommonTagsAspect)) return;
  aspects.add(new CommonTagsAspect(commonTags(identity)));
}
