import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  region: string;
  /** Set for S3-compatible servers (versitygw, MinIO); unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
}

/**
 * Credentials come from the default AWS provider chain (env, profile, instance role). Requests time out:
 * without a timeout the SDK waits forever on a connection the server dropped while restarting, and
 * the batch behind it never moves.
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: 5,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}
