/**
 * Where a stack keeps its Terraform state. Never an absolute path of the author's machine: the
 * local backend's path is relative to the stack's directory (`cdktf.out/stacks/<stack>/`), and
 * the S3 backend is for shared state.
 */
import { LocalBackend, S3Backend } from '../cdktf.ts';
import type { TerraformStack } from 'cdktf';

/** State next to the synthesized stack (relative path). */
export interface LocalStateBackend {
  /** Local state file. */
  kind: 'local';
  /** Path relative to the stack directory; absolute paths are refused. @default 'terraform.tfstate' */
  path?: string;
}

/** State in S3 with a lock file. */
export interface S3StateBackend {
  /** Remote state in S3. */
  kind: 's3';
  /** State bucket. */
  bucket: string;
  /** Object key, e.g. `terratower/<stack>.tfstate`. */
  key: string;
  /** Region of the state bucket. */
  region: string;
  /** S3-native state locking (Terraform ≥ 1.10, OpenTofu ≥ 1.10). @default true */
  useLockfile?: boolean;
  /** DynamoDB table for locking (older Terraform). @default none */
  dynamodbTable?: string;
}

/** A stack's state backend. */
export type StateBackend = LocalStateBackend | S3StateBackend;

/** Configure `stack`'s backend (default: local, `terraform.tfstate` beside the stack's JSON). */
export function configureBackend(stack: TerraformStack, backend: StateBackend = { kind: 'local' }): void {
  if (backend.kind === 'local') {
    const path = backend.path ?? 'terraform.tfstate';
    if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
      throw new Error(`local backend path "${path}" is absolute: give a path relative to the stack directory`);
    }
    new LocalBackend(stack, { path });
    return;
  }
  new S3Backend(stack, {
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    encrypt: true,
    ...(backend.dynamodbTable
      ? { dynamodbTable: backend.dynamodbTable }
      : { useLockfile: backend.useLockfile ?? true }),
  });
}
