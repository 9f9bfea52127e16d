/**
 * `terratower/constructs`: the CDKTF constructs and stacks. The only entry point that loads
 * cdktf, constructs and @cdktf/provider-aws (peer dependencies).
 */
export * from './constructs/index.ts';
export * from './stacks/index.ts';
