import { describe, expect, it } from 'vitest';
import { TickErrorReporter } from '../../src/twin/daemon/tick-errors.ts';

describe('what the twin daemon says about failing control ticks', () => {
  it('says a failure once while it repeats, and a different failure when it changes', () => {
    const r = new TickErrorReporter();
    expect(r.failed(new Error('consumers: dist/bundle/consumer.mjs does not exist'))).toMatch(
      /^terratower: a control tick failed, trying again at the next: consumers: dist\/bundle\/consumer\.mjs does not exist$/,
    );
    expect(r.failed(new Error('consumers: dist/bundle/consumer.mjs does not exist'))).toBeUndefined();
    expect(r.failed(new Error('no free address in eu-west-1b'))).toMatch(/no free address/);
  });

  it('says when the ticks recover, and the same failure again after a recovery', () => {
    const r = new TickErrorReporter();
    expect(r.succeeded()).toBeUndefined();
    expect(r.failed(new Error('boom'))).toMatch(/boom/);
    expect(r.succeeded()).toBe('terratower: control ticks run again');
    expect(r.succeeded()).toBeUndefined();
    expect(r.failed(new Error('boom'))).toMatch(/boom/);
  });
});
