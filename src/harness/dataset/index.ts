/** The synthetic data set: generation, manifest, upload. */
export { generateDataset, checkGenerateOptions, objectName, type GenerateOptions } from './generate.ts';
export {
  uploadDataset,
  uploadObjects,
  hasManifest,
  readManifest,
  META_DIR,
  type PlainUploadResult,
  type UploadOptions,
  type UploadResult,
} from './upload.ts';
export {
  MANIFEST_FILE,
  VALID_IDS_FILE,
  MALFORMED_FILE,
  CONTENT_FILE,
  sortIds,
  validIdsText,
  type DatasetManifest,
  type ManifestObject,
  type MalformedEntry,
} from './manifest.ts';
export { recordId } from './rows.ts';
export { GENERATED_KINDS } from './malformed.ts';
export { contentDigest, contentLine, parseContentLine, VERSION_INDEX, type ContentEntry } from './content.ts';
