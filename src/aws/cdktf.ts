/**
 * The cdktf and constructs values src/aws uses, loaded with `require` (types from `import type`).
 * Both are CommonJS: an ESM `import 'cdktf'` runs cjs-module-lexer over cdktf's index and every
 * module it re-exports, which made loading cdktf take about 195 ms instead of 130 ms (see
 * provider-aws.ts). `require` returns the same module objects an ESM `import` of these packages
 * gives, so a user's own stack shares the classes (`instanceof`, `App.of`). Add a value here and
 * import it from this module; a type-only name may stay an `import type` from the package.
 */
import { createRequire } from 'node:module';
import type * as cdktf from 'cdktf';
import type * as constructs from 'constructs';

const require = createRequire(import.meta.url);

export const {
  App,
  Aspects,
  Fn,
  Lazy,
  LocalBackend,
  S3Backend,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  Token,
} = require('cdktf') as typeof cdktf;
export type App = cdktf.App;
export type TerraformResource = cdktf.TerraformResource;
export type TerraformStack = cdktf.TerraformStack;

export const { Construct } = require('constructs') as typeof constructs;
export type Construct = constructs.Construct;
