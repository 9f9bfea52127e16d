/** cdktf's token creation stacks are off only inside terratower's own synthesis (src/aws/stacks/creation-stacks.ts). */
import { Tokenization } from 'cdktf';
import { afterEach, describe, expect, it } from 'vitest';
import { Lazy } from '../../src/aws/cdktf.ts';
import { withoutCreationStacks } from '../../src/aws/stacks/creation-stacks.ts';

/** The creation stack cdktf recorded for a new token. */
function creationStackOfNewToken(): string[] {
  const token = Lazy.stringValue({ produce: () => 'x' });
  // The token string stands for an IResolvable kept in cdktf's token map; Lazy keeps its stack on it.
  return Tokenization.reverseString(token).firstToken?.creationStack ?? [];
}

describe('withoutCreationStacks', () => {
  afterEach(() => {
    delete process.env.TERRATOWER_CREATION_STACKS;
  });

  it('records no stack for tokens made inside, and cdktf records them again afterwards', () => {
    const inside = withoutCreationStacks(creationStackOfNewToken);
    expect(inside).toHaveLength(1);
    expect(inside[0]).toContain('TERRATOWER_CREATION_STACKS=1');
    const after = creationStackOfNewToken();
    expect(after.length).toBeGreaterThan(1);
    expect(after.join('\n')).toContain('creationStackOfNewToken');
  });

  it('puts cdktf back when the work throws', () => {
    expect(() =>
      withoutCreationStacks(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(creationStackOfNewToken().length).toBeGreaterThan(1);
  });

  it('TERRATOWER_CREATION_STACKS=1 keeps the stacks', () => {
    process.env.TERRATOWER_CREATION_STACKS = '1';
    expect(withoutCreationStacks(creationStackOfNewToken).length).toBeGreaterThan(1);
  });
});
