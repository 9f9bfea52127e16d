/**
 * The run store: every run and experiment, with what is needed to compare them later. SQLite
 * (embedded default) and S3 backends behind one `RunStore` interface; `openStore(location)`
 * picks one. The backends' modules are loaded only when opened.
 */
export * from './types.ts';
export {
  openStore,
  defaultStoreLocation,
  recordingDisabled,
  parseS3Location,
  STORE_ENV,
  type S3Location,
} from './open.ts';
export { collectProvenance, codeProvenance, machineFacts, javaVersion } from './provenance.ts';
export {
  SQL_MIGRATIONS,
  SQL_SCHEMA_VERSION,
  S3_LAYOUT_VERSION,
  upgradeRunRecord,
  upgradeExperimentRecord,
  type SqlMigration,
} from './migrations.ts';
export type { S3StoreOptions } from './s3.ts';
