/**
 * `DatasetBucket`: the S3 bucket the producers read. Encrypted at rest (SSE-S3 by default, or a
 * KMS key), public access blocked, bucket-owner-enforced ownership (no ACLs), versioned, TLS-only
 * by bucket policy, with a lifecycle that expires old versions and aborts stale uploads.
 */
import { Construct } from '../cdktf.ts';
import {
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
} from '../provider-aws.ts';
import { bucketNameProblems } from '../../spec/validate.ts';
import { placementTags, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `DatasetBucket`. */
export interface DatasetBucketProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Bucket name (globally unique; validated by `validateSpec`). */
  bucketName: string;
  /** Key prefix of the dataset; read grants are limited to it. */
  prefix: string;
  /** KMS key ARN for SSE-KMS. @default SSE-S3 (AES256) */
  kmsKeyArn?: string;
  /** Days before a noncurrent object version is deleted. @default 30 */
  noncurrentVersionExpirationDays?: number;
  /** Days before an unfinished multipart upload is aborted. @default 7 */
  abortIncompleteUploadDays?: number;
  /**
   * Let `terraform destroy` delete the bucket with its objects: for test runs only (the
   * harness relies on it to leave nothing behind; `Pipeline` sets it for disposable runs).
   * @default false: a bucket holding data makes destroy fail instead of deleting the data
   */
  forceDestroy?: boolean;
}

/** The dataset bucket. */
export class DatasetBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** Bucket name. */
  readonly bucketName: string;
  /** Bucket ARN. */
  readonly bucketArn: string;
  /** Dataset key prefix. */
  readonly prefix: string;

  /** @param props see `DatasetBucketProps` */
  constructor(scope: Construct, id: string, props: DatasetBucketProps) {
    super(scope, id);
    this.prefix = props.prefix;
    tagWithIdentity(this, props.identity);
    const problems = bucketNameProblems(props.bucketName);
    if (problems.length > 0)
      new PropsCheck(`DatasetBucket "${id}"`).fail(
        'bucketName',
        props.bucketName,
        `a valid S3 bucket name (it must ${problems.join('; ')})`,
      );
    this.bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      tags: placementTags(props.identity, props.bucketName, { group: 'dataset' }),
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: 'AES256' },
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const versioning = new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 30 }],
        },
        {
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
        },
      ],
      dependsOn: [versioning],
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
      dependsOn: [publicAccess],
    });
  }

  /** ARN pattern of the dataset objects (`<bucket arn>/<prefix>*`). */
  get objectsArn(): string {
    return `${this.bucketArn}/${this.prefix}*`;
  }
}
