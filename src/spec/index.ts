export * from './types.ts';
export { defaultSpec, withDefaults } from './defaults.ts';
