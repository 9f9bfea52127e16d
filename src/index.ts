export * from './spec/index.ts';
export * from './constructs/index.ts';
export * from './stacks/index.ts';
export * from './harness/index.ts';
