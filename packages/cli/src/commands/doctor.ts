import { Command, Option } from 'commander';
import { readCliConfig } from '../cli-config.js';
import { UsageError } from '../cli-error.js';
import { brokersFrom, cliKafka } from '../dead-letters/kafka-client.js';
import { type DoctorOptions, runDoctor } from '../doctor/doctor.js';
import { formatDoctorReport } from '../doctor/format-report.js';
import { openWarehouse } from '../warehouse-connection.js';

interface DoctorFlags {
  source?: string;
  publication: string;
  slot: string;
  schemas?: string;
  warehouse?: string;
  warehouseUrl?: string;
  targetSchema?: string;
  connectUrl?: string;
  connector: string;
  brokers?: string;
  batcherGroup: string;
  loaderGroup: string;
  topicPattern: string;
  batchesTopic: string;
  loaderUrl?: string[];
  json?: boolean;
}

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function doctorCommand(): Command {
  return new Command('doctor')
    .summary('check the source, the warehouse and the pipeline, and say what to do')
    .description(
      [
        'Checks what pgshift depends on, before going live and while it runs, and',
        'says per finding what to do:',
        '',
        '  source     wal_level; the replication slot (there, read, the WAL it',
        '             retains against max_slot_wal_keep_size); free slots and WAL',
        '             senders; the publication and the tables it misses; published',
        '             tables without a replica identity (PostgreSQL rejects their',
        '             UPDATE and DELETE); TOASTable columns.',
        '  warehouse  the connection, CREATE on the target schemas and pgshift, the',
        '             ledger readable and writable.',
        '  pipeline   the connector and each task (Kafka Connect), the batcher and',
        "             loader groups' lag, the loaders' stopped and waiting tables.",
        '',
        'Each part not configured is skipped, with a note (none configured is a',
        'usage mistake). Doctor only reads.',
        '',
        'Exit code: 0 nothing but ok and info, 1 at least one error, 2 bad',
        'arguments, 3 something could not be checked (unreachable) and no error',
        'found, 4 warnings only.',
      ].join('\n'),
    )
    .option('--source <url>', 'source PostgreSQL connection string (default: $PGSHIFT_SOURCE_URL)')
    .option('--publication <name>', "the connector's publication.name", 'pgshift')
    .option('--slot <name>', "the connector's slot.name", 'pgshift')
    .option('--schemas <list>', "source schemas replicated, comma-separated (the connector's schema.include.list; default: those with a published table)")
    .addOption(new Option('--warehouse <kind>', 'warehouse kind (default: $PGSHIFT_WAREHOUSE; unset: not checked)').choices(['postgres', 'redshift']))
    .option(
      '--warehouse-url <url>',
      "PostgreSQL warehouse connection string (default: $PGSHIFT_WAREHOUSE_URL); Redshift uses the loader's PGSHIFT_REDSHIFT_* variables",
    )
    .option('--target-schema <name>', "the loader's PGSHIFT_TARGET_SCHEMA (default: $PGSHIFT_TARGET_SCHEMA, else each source schema's name)")
    .option('--connect-url <url>', "Kafka Connect's REST API (default: $PGSHIFT_CONNECT_URL; unset: not checked)")
    .option('--connector <name>', 'the Debezium connector', 'pgshift-source')
    .option('--brokers <list>', 'Kafka brokers, comma-separated host:port (default: $PGSHIFT_KAFKA_BROKERS; unset: lag not checked)')
    .option('--batcher-group <id>', "the batcher's PGSHIFT_CONSUMER_GROUP", 'pgshift-batcher')
    .option('--loader-group <id>', "the loader's PGSHIFT_CONSUMER_GROUP", 'pgshift-loader')
    .option('--topic-pattern <regexp>', "the batcher's PGSHIFT_TOPIC_PATTERN", '^pgshift\\.[^.]+\\.[^.]+$')
    .option('--batches-topic <name>', 'PGSHIFT_BATCHES_TOPIC', 'pgshift.batches')
    .option(
      '--loader-url <url>',
      "a loader's ops endpoint http://host:port, repeatable (default: $PGSHIFT_LOADER_URLS; unset: not checked)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), ...(list(value) ?? [])],
    )
    .option('--json', 'print one JSON document instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  pgshift doctor --source postgresql://u:p@db/app --warehouse postgres --warehouse-url postgresql://u:p@wh/warehouse',
        '  PGSHIFT_CONNECT_URL=http://connect:8083 PGSHIFT_KAFKA_BROKERS=kafka:9092 \\',
        '    PGSHIFT_LOADER_URLS=http://loader-1:59102,http://loader-2:59102 pgshift doctor --json',
        '',
      ].join('\n'),
    )
    .action(async (flags: DoctorFlags) => {
      const report = await runDoctor(doctorOptions(flags));
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
      process.exitCode = report.exitCode;
    });
}

/** The flags and the environment (flags first) as what doctor checks; a bad value is a usage error (exit 2). */
function doctorOptions(flags: DoctorFlags): DoctorOptions {
  const config = readCliConfig();
  const sourceUrl = flags.source ?? config.PGSHIFT_SOURCE_URL;
  if (flags.source !== undefined && !/^postgres(ql)?:\/\//.test(flags.source)) throw new UsageError('--source: expected a postgres:// or postgresql:// URL');
  let changeTopics: RegExp;
  try {
    changeTopics = new RegExp(flags.topicPattern);
  } catch (error) {
    throw new UsageError(`--topic-pattern: ${(error as Error).message}`);
  }
  const connectUrl = flags.connectUrl ?? config.PGSHIFT_CONNECT_URL;
  if (flags.connectUrl !== undefined && !/^https?:\/\//.test(flags.connectUrl)) throw new UsageError('--connect-url: expected an http:// or https:// URL');
  const loaderUrls = flags.loaderUrl ?? config.PGSHIFT_LOADER_URLS;
  for (const url of flags.loaderUrl ?? []) if (!/^https?:\/\//.test(url)) throw new UsageError(`--loader-url: expected an http:// or https:// URL, got ${url}`);
  const brokers = flags.brokers !== undefined || config.PGSHIFT_KAFKA_BROKERS ? brokersFrom(flags.brokers, config.PGSHIFT_KAFKA_BROKERS) : undefined;
  const warehouseConfigured = flags.warehouse !== undefined || (process.env.PGSHIFT_WAREHOUSE ?? '') !== '';
  // Nothing configured would be "healthy" with nothing checked: a script that lost its environment must not pass.
  if (!sourceUrl && !warehouseConfigured && !connectUrl && !brokers && !loaderUrls?.length) {
    throw new UsageError(
      'nothing to check: give at least one of --source (PGSHIFT_SOURCE_URL), --warehouse (PGSHIFT_WAREHOUSE), --connect-url (PGSHIFT_CONNECT_URL), --brokers (PGSHIFT_KAFKA_BROKERS), --loader-url (PGSHIFT_LOADER_URLS)',
    );
  }
  return {
    source: sourceUrl ? { url: sourceUrl, publication: flags.publication, slot: flags.slot, schemas: list(flags.schemas) } : undefined,
    warehouse: warehouseConfigured ? openWarehouse(flags) : undefined,
    targetSchema: flags.targetSchema ?? config.PGSHIFT_TARGET_SCHEMA,
    connect: connectUrl ? { url: connectUrl, connector: flags.connector } : undefined,
    kafka: brokers
      ? {
          client: cliKafka(brokers, config.PGSHIFT_LOG_LEVEL),
          batcherGroup: flags.batcherGroup,
          loaderGroup: flags.loaderGroup,
          changeTopics,
          batchesTopic: flags.batchesTopic,
        }
      : undefined,
    loaderUrls,
  };
}
