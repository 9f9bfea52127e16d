/**
 * Replacing one module of kafkajs 2.2.4 with our own before kafkajs loads it: kafkajs takes its
 * helpers with `require()` when the module that uses them loads, so an entry put in Node's module
 * cache under the helper's file name first is what kafkajs uses. Only for the version the
 * replacements were written and tested against.
 */
import { Module, createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kafkajs version the replacements were written for. */
export const REPLACED_KAFKAJS_VERSION = '2.2.4';

/** Absolute file name of a kafkajs module (`kafkajs/src/...`). */
export function kafkajsFile(path: string): string {
  return require.resolve(`kafkajs/${path}`);
}

/** Why the installed kafkajs cannot take the replacements, or undefined. */
export function unsupportedKafkajs(): string | undefined {
  const { version } = require('kafkajs/package.json') as { version: string };
  return version === REPLACED_KAFKAJS_VERSION
    ? undefined
    : `kafkajs ${version} is not the ${REPLACED_KAFKAJS_VERSION} this replacement was written for`;
}

/**
 * Put `implementation` in Node's module cache as kafkajs's `path`. `user` is the kafkajs module
 * that requires it: once that is loaded, it is too late. Returns why it did not, undefined when it did.
 */
export function replaceKafkajsModule(path: string, implementation: unknown, user: string): string | undefined {
  const unsupported = unsupportedKafkajs();
  if (unsupported) return unsupported;
  if (require.cache[kafkajsFile(user)]) return `kafkajs's ${user} was loaded before the replacement`;
  const file = kafkajsFile(path);
  const module = new Module(file);
  module.filename = file;
  module.loaded = true;
  module.exports = implementation;
  require.cache[file] = module;
  return undefined;
}
