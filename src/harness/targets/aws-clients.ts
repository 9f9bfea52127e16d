/** The AWS SDK clients AwsTarget uses, built once for a region (and, for tests, one endpoint such as moto's). */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DLMClient } from '@aws-sdk/client-dlm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Where the clients talk. */
export interface AwsClientOptions {
  region: string;
  /** One endpoint for every service (moto server); omit for AWS. */
  endpoint?: string;
  /** Static credentials (tests); omit to use the default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The clients. */
export interface AwsClients {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  s3: S3Client;
  cloudWatch: CloudWatchClient;
  /** Systems Manager: Run Command for CPU stress (`AWSFIS-Run-CPU-Stress`) and zone latency (`AWS-RunShellScript` with `tc netem`). */
  ssm: SSMClient;
  /** IAM: the sweep's roles and instance profiles. */
  iam: IAMClient;
  /** CloudWatch Logs: the sweep's log groups. */
  logs: CloudWatchLogsClient;
  /** Secrets Manager: the sweep's credential secrets. */
  secretsManager: SecretsManagerClient;
  /** Data Lifecycle Manager: the sweep's snapshot policies. */
  dlm: DLMClient;
  /** SNS: the sweep's alarm topics. */
  sns: SNSClient;
  /**
   * The clients talk to an emulator (an endpoint was given), not AWS: services the emulator does
   * not serve (moto 5.2.5 has no Data Lifecycle Manager) are left out of the sweep's listing.
   */
  emulated: boolean;
  /** Close every client's connections. */
  destroy(): void;
}

/** Build the clients. */
export function awsClients(o: AwsClientOptions): AwsClients {
  const common = {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: 5,
  };
  const clients = {
    autoScaling: new AutoScalingClient(common),
    ec2: new EC2Client(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(o.endpoint) }),
    cloudWatch: new CloudWatchClient(common),
    ssm: new SSMClient(common),
    iam: new IAMClient(common),
    logs: new CloudWatchLogsClient(common),
    secretsManager: new SecretsManagerClient(common),
    dlm: new DLMClient(common),
    sns: new SNSClient(common),
  };
  return {
    ...clients,
    emulated: Boolean(o.endpoint),
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
