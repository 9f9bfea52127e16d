/** S3 client construction shared by the producer and the dataset uploader. */
import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client. With an `endpoint` (a local S3 API such as moto) it uses path-style addressing
 * and, if no credentials are in the environment, dummy ones (the local API accepts any).
 */
export function createS3Client(region: string, endpoint?: string): S3Client {
  if (!endpoint) return new S3Client({ region });
  const haveCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    ...(haveCredentials ? {} : { credentials: { accessKeyId: 'terratower', secretAccessKey: 'terratower' } }),
  });
}
