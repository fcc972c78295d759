import type { LogLevel } from '@pgshift/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { UsageError } from '../cli-error.js';

/** Brokers from --brokers, else PGSHIFT_KAFKA_BROKERS (comma-separated host:port, validated by readCliConfig). */
export function brokersFrom(flag: string | undefined, fromEnv: string[] | undefined): string[] {
  const list =
    flag === undefined
      ? (fromEnv ?? [])
      : flag
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== '');
  if (list.length === 0) throw new UsageError('give the Kafka brokers with --brokers or PGSHIFT_KAFKA_BROKERS');
  return list;
}

/**
 * A kafkajs client for a short command: its own log lines stay silent (failures surface as the
 * command's error) unless PGSHIFT_LOG_LEVEL is debug or trace, and then go to stderr, never into the output.
 */
export function cliKafka(brokers: string[], level: LogLevel): Kafka {
  return new Kafka({
    clientId: 'pgshift-cli',
    brokers,
    logLevel: level === 'debug' || level === 'trace' ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator:
      () =>
      ({ log }) =>
        process.stderr.write(`kafka: ${log.message}\n`),
    retry: { retries: 3, initialRetryTime: 300 },
    connectionTimeout: 5000,
  });
}
