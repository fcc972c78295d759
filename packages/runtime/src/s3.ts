import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  region: string;
  /** Set for S3-compatible servers (versitygw, MinIO); unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
}

/** Credentials come from the default AWS provider chain (env, profile, instance role). */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: 5,
  });
}
