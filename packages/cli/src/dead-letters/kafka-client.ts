import { Kafka, logLevel } from 'kafkajs';
import { UsageError } from '../cli-error.js';

/** Brokers from --brokers or PGSHIFT_KAFKA_BROKERS (comma-separated host:port). */
export function brokersFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (flag ?? env.PGSHIFT_KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (list.length === 0) throw new UsageError('give the Kafka brokers with --brokers or PGSHIFT_KAFKA_BROKERS');
  return list;
}

/**
 * A kafkajs client for a short command: its own log lines stay silent (failures surface as the
 * command's error) unless PGSHIFT_LOG_LEVEL=debug, and then go to stderr, never into the output.
 */
export function cliKafka(brokers: string[]): Kafka {
  return new Kafka({
    clientId: 'pgshift-cli',
    brokers,
    logLevel: process.env.PGSHIFT_LOG_LEVEL === 'debug' ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator: () => ({ log }) => process.stderr.write(`kafka: ${log.message}\n`),
    retry: { retries: 3, initialRetryTime: 300 },
    connectionTimeout: 5000,
  });
}
