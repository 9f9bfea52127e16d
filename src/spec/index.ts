export * from './types.ts';
export { defaultSpec, mergeSpec, withDefaults } from './defaults.ts';
export * from './validate.ts';
export * from './load.ts';
export * from './derive.ts';
export * from './cidr.ts';
export * from './tags.ts';
export * from './ports.ts';
export * from './run-id.ts';
