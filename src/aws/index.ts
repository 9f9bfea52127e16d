/**
 * `terratower/constructs`: the CDKTF constructs and stacks, and the spec they are built from
 * (`defaultSpec`, `validateSpec`, … without the harness). The only entry point that loads cdktf,
 * constructs and @cdktf/provider-aws (peer dependencies).
 */
export * from '../spec/index.ts';
export * from './constructs/index.ts';
export * from './stacks/index.ts';
