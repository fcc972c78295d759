import { type Logger, pino } from 'pino';
import { LOG_LEVELS, type LogLevel } from './config.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout, one line per event, with the service name on every line. An unknown level is
 * not pino's to crash on: the logger falls back to `info`, and the service's config (which holds
 * PGSHIFT_LOG_LEVEL) reports the bad value with every other bad variable.
 */
export function createLogger(service: string, level: string | undefined = process.env.PGSHIFT_LOG_LEVEL): Logger {
  return pino({
    level: knownLogLevel(level) ?? 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

export function knownLogLevel(level: string | undefined): LogLevel | undefined {
  const trimmed = level?.trim();
  return (LOG_LEVELS as readonly string[]).includes(trimmed ?? '') ? (trimmed as LogLevel) : undefined;
}
