/** The S3 API of the twin: one moto server. */
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { PORTS } from '../../spec/ports.ts';
import { motoServerBin } from '../install/moto.ts';
import type { LaunchPlan, MemberIdentity } from './types.ts';

/** The moto server's command line. */
export function motoLaunchPlan(member: MemberIdentity): LaunchPlan {
  return {
    command: motoServerBin(),
    args: ['-H', member.address, '-p', String(PORTS.s3)],
    env: { PYTHONUNBUFFERED: '1' },
    cwd: member.dataDir,
  };
}

/** An S3 client for the twin's endpoint (path-style, dummy credentials). */
export function twinS3Client(endpoint: string, region: string): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'terratower', secretAccessKey: 'terratower' },
    maxAttempts: 1,
  });
}

/** Whether the S3 API answers ListBuckets. */
export async function s3Ready(endpoint: string, region: string): Promise<boolean> {
  const s3 = twinS3Client(endpoint, region);
  try {
    await s3.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  } finally {
    s3.destroy();
  }
}

/** Create the dataset bucket unless it exists. */
export async function ensureBucket(endpoint: string, region: string, bucket: string): Promise<void> {
  const s3 = twinS3Client(endpoint, region);
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch {
      // Not there yet.
    }
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
  } finally {
    s3.destroy();
  }
}
