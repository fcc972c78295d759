import { parseDurationMs } from '@pgshift/runtime';
import { Command, Option } from 'commander';
import { readCliConfig } from '../cli-config.js';
import { EXIT, parsePositiveInteger, parseTableName, UsageError } from '../cli-error.js';
import { formatVerifyReport } from '../verify/format-report.js';
import { verifyConnections } from '../verify/open-connections.js';
import { verify } from '../verify/verify.js';
import { openWarehouse } from '../warehouse-connection.js';

interface VerifyFlags {
  source?: string;
  warehouse?: string;
  warehouseUrl?: string;
  tables?: string;
  schema?: string;
  publication: string;
  targetSchema?: string;
  chunkRows: number;
  waitTimeout: string;
  samples: number;
  json?: boolean;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .summary('compare every replicated table between the source and the warehouse')
    .description(
      [
        'Compares each replicated table between the source PostgreSQL and the',
        'warehouse, without copying tables anywhere:',
        '',
        '  1. the table is cut into chunks of --chunk-rows primary keys (keyset',
        '     pagination on the source key: short statements, no locks);',
        '  2. for each chunk both sides compute, in SQL, a row count and an',
        '     order-independent hash of the rows, with values normalised so that',
        '     equal data compares equal through the type mapping (1.5 = 1.50,',
        "     timestamptz in UTC, arrays as JSON, bytea as hex, NULL is not '');",
        '  3. chunks that differ are compared row by row and reported as',
        '     rows missing   in the source, not in the warehouse',
        '     rows extra     in the warehouse, not in the source',
        '     rows differing on both sides, with the columns that differ for a',
        '                    few sample keys.',
        '',
        'Soft-delete tables (with a _pgshift_deleted column) count only rows not',
        'marked deleted. Tables without a primary key are compared by row count',
        'and a whole-table hash only.',
        '',
        'The pipeline lags behind the source: verify compares, then compares again',
        'the tables not in sync until they are or --wait-timeout has passed. It',
        "prints the source's WAL position and the highest _pgshift_lsn applied in",
        'the warehouse, to show how far behind the warehouse is.',
        '',
        'Exit code: 0 every table in sync, 1 something differs, 2 bad arguments or',
        'a connection or SQL error.',
      ].join('\n'),
    )
    .option('--source <url>', 'source PostgreSQL connection string (default: $PGSHIFT_SOURCE_URL)')
    .addOption(new Option('--warehouse <kind>', 'warehouse kind (default: $PGSHIFT_WAREHOUSE)').choices(['postgres', 'redshift']))
    .option(
      '--warehouse-url <url>',
      "PostgreSQL warehouse connection string (default: $PGSHIFT_WAREHOUSE_URL); Redshift is reached through the Data API with the loader's PGSHIFT_REDSHIFT_* variables",
    )
    .option('--tables <list>', 'only these source tables, comma-separated schema.table names')
    .option('--schema <name>', 'only the published tables of this source schema')
    .option('--publication <name>', 'the source publication whose tables are compared by default', 'pgshift')
    .option(
      '--target-schema <name>',
      "warehouse schema of every table, as the loader's PGSHIFT_TARGET_SCHEMA (default: $PGSHIFT_TARGET_SCHEMA, else the source schema name)",
    )
    .option('--chunk-rows <n>', 'primary keys per chunk', parsePositiveInteger('--chunk-rows'), 10_000)
    .option('--wait-timeout <duration>', 'keep re-comparing tables not in sync for this long (0: compare once), e.g. 120s, 5m', '120s')
    .option('--samples <n>', 'sample keys shown per finding', parsePositiveInteger('--samples'), 5)
    .option('--json', 'print one JSON document instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  pgshift verify --source postgresql://u:p@db/app \\',
        '    --warehouse postgres --warehouse-url postgresql://u:p@wh/warehouse',
        '  pgshift verify --tables public.orders,public.customers --wait-timeout 0',
        '  PGSHIFT_WAREHOUSE=redshift PGSHIFT_REDSHIFT_WORKGROUP=wg PGSHIFT_REDSHIFT_DATABASE=dev \\',
        '    pgshift verify --schema public --json',
        '',
      ].join('\n'),
    )
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await runVerifyCommand(flags);
    });
}

async function runVerifyCommand(flags: VerifyFlags): Promise<number> {
  const config = readCliConfig();
  const sourceUrl = flags.source ?? config.PGSHIFT_SOURCE_URL;
  if (!sourceUrl) throw new UsageError('give the source with --source or PGSHIFT_SOURCE_URL');
  if (flags.tables && flags.schema) throw new UsageError('--tables and --schema exclude each other');
  let waitTimeoutMs: number;
  try {
    waitTimeoutMs = parseDurationMs(flags.waitTimeout);
  } catch {
    throw new UsageError(`--wait-timeout: expected a duration such as 120s or 5m, got ${JSON.stringify(flags.waitTimeout)}`);
  }
  const tables = flags.tables
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map(parseTableName);
  const connections = verifyConnections(sourceUrl, openWarehouse(flags));
  const progress = !flags.json && process.stderr.isTTY;
  try {
    const report = await verify(connections, {
      selection: { tables, schema: flags.schema, publication: flags.publication },
      targetSchema: flags.targetSchema ?? config.PGSHIFT_TARGET_SCHEMA,
      chunkRows: flags.chunkRows,
      samples: flags.samples,
      waitTimeoutMs,
      onTable: progress ? (t, pass) => process.stderr.write(`pass ${pass}: ${t.table} ${t.status}\n`) : undefined,
    });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report));
    if (report.summary.errors > 0) return EXIT.usage;
    return report.inSync ? EXIT.ok : EXIT.notInSync;
  } finally {
    await Promise.allSettled([connections.source.close(), connections.warehouse.close()]);
  }
}
