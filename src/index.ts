/**
 * `terratower`: the spec, the Target vocabulary and the harness. Loads no cdktf: the constructs
 * and stacks are `terratower/constructs`.
 */
export * from './spec/index.ts';
export * from './harness/index.ts';
export * from './store/index.ts';
export * from './experiment/index.ts';
