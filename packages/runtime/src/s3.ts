import { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { env } from './config.js';

export interface S3Settings {
  region: string;
  /** Set for S3-compatible servers (versitygw, MinIO); unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
}

/**
 * Who retries a failed request. Exactly one layer does, chosen per use: `sdk` (the SDK's standard
 * retries, a few attempts with backoff: for a read inside something the caller retries as a whole) or
 * `caller` (one attempt: the caller's own loop retries, logs and waits for as long as S3 is away).
 */
export type S3RetryLayer = { retriedBy: 'sdk'; maxAttempts: number } | { retriedBy: 'caller' };

/**
 * Credentials come from the default AWS provider chain (env, profile, instance role). Requests time out:
 * without a timeout the SDK waits forever on a connection the server dropped while restarting, and
 * the batch behind it never moves.
 */
export function createS3Client(settings: S3Settings, retry: S3RetryLayer): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: retry.retriedBy === 'sdk' ? retry.maxAttempts : 1,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

/** The S3 client variables, shared by both services (credentials come from the AWS default chain). */
export const s3ClientShape = {
  PGSHIFT_S3_REGION: env.string().default('us-east-1').describe('region of the bucket'),
  PGSHIFT_S3_ENDPOINT: env.httpUrl().optional().meta({ description: 'an S3-compatible server (versitygw, MinIO) instead of AWS', whenUnset: 'AWS' }),
  PGSHIFT_S3_FORCE_PATH_STYLE: env.boolean().prefault('false').describe('path-style URLs (`host/bucket/key`), as most S3-compatible servers need'),
};

export function s3Settings(c: z.infer<z.ZodObject<typeof s3ClientShape>>): S3Settings {
  return { region: c.PGSHIFT_S3_REGION, forcePathStyle: c.PGSHIFT_S3_FORCE_PATH_STYLE, ...(c.PGSHIFT_S3_ENDPOINT ? { endpoint: c.PGSHIFT_S3_ENDPOINT } : {}) };
}
