import pRetry, { AbortError } from 'p-retry';

export interface RetryOptions {
  /** What is being retried, for the log line. */
  what: string;
  /** Retries after the first attempt; `Infinity`: for as long as the error lasts (an unreachable dependency). */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Permanent errors are thrown at once; transient ones are retried with exponential backoff. */
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
  signal?: AbortSignal;
}

export async function withRetry<T>(run: () => Promise<T>, options: RetryOptions): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await run();
      } catch (error) {
        if (!options.isRetryable(error)) throw new AbortError(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    },
    {
      // The retry library precomputes one timeout per retry: unbounded retries are its `forever` mode.
      ...(options.retries === Number.POSITIVE_INFINITY ? { forever: true, retries: 0 } : { retries: options.retries ?? 8 }),
      minTimeout: options.minTimeoutMs ?? 250,
      maxTimeout: options.maxTimeoutMs ?? 15_000,
      randomize: true,
      ...(options.signal ? { signal: options.signal } : {}),
      onFailedAttempt: (error) => options.onRetry?.(error, error.attemptNumber),
    },
  );
}
