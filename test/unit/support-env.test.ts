import { describe, expect, it } from 'vitest';
import { switchedOff, switchedOn } from '../../src/support/env.ts';

describe('environment switches', () => {
  it('on: 1, on, true, yes in any case; nothing else', () => {
    for (const v of ['1', 'on', 'TRUE', 'Yes']) expect(switchedOn(v)).toBe(true);
    for (const v of [undefined, '', '0', 'off', 'enabled', ' 1']) expect(switchedOn(v)).toBe(false);
  });

  it('off: 0, off, false, no in any case; unset is neither', () => {
    for (const v of ['0', 'OFF', 'false', 'No']) expect(switchedOff(v)).toBe(true);
    for (const v of [undefined, '', '1', 'on', 'disabled']) expect(switchedOff(v)).toBe(false);
  });
});
