import { createInterface } from 'node:readline/promises';
import { META } from '@pgshift/contracts';
import {
  isMissingLedger,
  showLedgerStatement,
  type TargetTable,
  type TextRow,
  targetLedgerName,
  targetLedgerTablesStatement,
  type WarehouseAdapter,
} from '@pgshift/warehouse';
import { Command, Option } from 'commander';
import { EXIT, parseTableName, UsageError } from '../cli-error.js';
import { formatColumns } from '../format-table.js';
import { type WarehouseFlags as ConnectionFlags, openWarehouse } from '../warehouse-connection.js';

interface WarehouseFlags extends ConnectionFlags {
  json?: boolean;
}

function warehouseOptions(command: Command): Command {
  return command
    .addOption(new Option('--warehouse <kind>', 'warehouse kind (default: $PGSHIFT_WAREHOUSE)').choices(['postgres', 'redshift']))
    .option(
      '--warehouse-url <url>',
      "PostgreSQL warehouse connection string (default: $PGSHIFT_WAREHOUSE_URL); Redshift uses the loader's PGSHIFT_REDSHIFT_* variables",
    );
}

export function ledgerCommand(): Command {
  const ledger = new Command('ledger')
    .summary('show or clear the offset ledger the loader keeps in the warehouse')
    .description(
      [
        'The loader records, in a ledger table per warehouse table (pgshift.ledger_…), the last Kafka',
        'offset it has applied for each partition of each change topic, in the same',
        'transaction as the data. Batches at or below it are skipped: that is what',
        'makes loading exactly-once in effect.',
      ].join('\n'),
    );

  ledger.addCommand(
    warehouseOptions(new Command('show'))
      .summary("print the ledger rows, all or one warehouse table's")
      .description('Print the ledger rows: warehouse table, change topic, partition, last\napplied offset, the batch that moved it, and when.')
      .option('--table <schema.table>', 'only the rows of this warehouse table')
      .option('--json', 'print JSON instead of text')
      .action(async (flags: WarehouseFlags & { table?: string }) => {
        const target = flags.table === undefined ? undefined : parseTableName(flags.table);
        await withWarehouse(flags, async (warehouse) => {
          const rows = await ledgerRows(warehouse, target);
          if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          else if (rows.length === 0) process.stdout.write(`no ledger rows${flags.table ? ` for ${flags.table}` : ''}\n`);
          else {
            const headers = ['table', 'topic', 'partition', 'last_offset', 'batch_id', 'updated_at (UTC)'];
            process.stdout.write(
              formatColumns(
                headers,
                rows.map((r) => [
                  `${r.target_schema}.${r.target_table}`,
                  r.topic ?? '',
                  r.partition ?? '',
                  r.last_offset ?? '',
                  r.batch_id ?? '',
                  r.updated_at ?? '',
                ]),
              ),
            );
          }
        });
      }),
  );

  ledger.addCommand(
    warehouseOptions(new Command('reset'))
      .summary('forget what was applied to one warehouse table (the deliberate reload)')
      .description(
        [
          'Forget what the loader applied to one warehouse table: its ledger rows are',
          'deleted with its truncation watermark, so every batch of that table is',
          'applied again, even ones already applied.',
          '',
          "This is the deliberate reload: reset the ledger, then replay the table's",
          'change topic from the start (pgshift tables replay <schema.table> --from',
          'earliest; the other tables keep streaming). A table with a primary key keeps its rows (the',
          're-applied rows replace them); a table without one is emptied in the same',
          'transaction, since a replay appends its rows again. --empty empties a keyed',
          "table too (then rows whose changes are past the topic's retention are gone).",
        ].join('\n'),
      )
      .requiredOption('--table <schema.table>', 'the warehouse table whose ledger rows are removed')
      .option('--empty', 'also delete the rows of a table that has a primary key')
      .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
      .option('--json', 'print one JSON object (what was found and removed) instead of text; the confirmation prompt, if any, goes to stderr')
      .action(async (flags: WarehouseFlags & { table: string; yes?: boolean; empty?: boolean; json?: boolean }) => {
        const target = parseTableName(flags.table);
        const say = (text: string) => {
          if (!flags.json) process.stdout.write(text);
        };
        await withWarehouse(flags, async (warehouse) => {
          const rows = await ledgerRows(warehouse, target);
          if (rows.length === 0) {
            say(`no ledger rows for ${flags.table}: nothing to reset\n`);
            if (flags.json) process.stdout.write(`${JSON.stringify({ table: flags.table, ledgerRows: [], removed: 0, emptied: false }, null, 2)}\n`);
            return;
          }
          // An append table (no primary key) carries the offset of every row's change.
          const columns = await warehouse.describeTable(target);
          const appendTable = columns?.some((c) => c.name === META.offset) ?? false;
          const emptyTarget = appendTable || flags.empty === true;
          const listed = rows.map((r) => `  ${r.topic} partition ${r.partition}: last offset ${r.last_offset}`).join('\n');
          say(`ledger rows of ${flags.table}:\n${listed}\n`);
          if (emptyTarget) {
            say(
              appendTable
                ? `${flags.table} has no primary key: its rows are deleted too, or a replay would append them a second time\n`
                : `--empty: the rows of ${flags.table} are deleted too\n`,
            );
          }
          if (!flags.yes) await confirm(flags.table);
          // In one transaction: the ledger rows, the truncation watermark (a reload replays the truncates
          // too) and, for an append table, its rows.
          const removed = await warehouse.clearLedger(target, { emptyTarget });
          say(
            `removed ${removed} ledger rows of ${flags.table}${emptyTarget ? ' and its rows' : ''}. Every batch of it will be applied again: replay its change topic to reload it.\n`,
          );
          if (flags.json) process.stdout.write(`${JSON.stringify({ table: flags.table, ledgerRows: rows, removed, emptied: emptyTarget }, null, 2)}\n`);
        });
      }),
  );
  return ledger;
}

async function confirm(table: string): Promise<void> {
  if (!process.stdin.isTTY) throw new UsageError('refusing to reset the ledger without --yes when stdin is not a terminal');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`type ${table} to remove these rows: `);
    if (answer.trim() !== table) throw new UsageError('not confirmed: nothing was removed');
  } finally {
    prompt.close();
  }
}

/** The ledger rows, all or one target's (each target has a ledger table of its own); none when no batch was ever loaded. */
async function ledgerRows(warehouse: WarehouseAdapter, target: TargetTable | undefined): Promise<TextRow[]> {
  try {
    const tables =
      target === undefined
        ? (await warehouse.queryText(targetLedgerTablesStatement(warehouse.dialect))).map((row) => String(row.table_name))
        : [targetLedgerName(warehouse.dialect, target)];
    if (tables.length === 0) return [];
    return await warehouse.queryText(showLedgerStatement(warehouse.dialect, tables, target));
  } catch (error) {
    if (!isMissingLedger(error)) throw error;
    return [];
  }
}

async function withWarehouse(flags: WarehouseFlags, work: (warehouse: WarehouseAdapter) => Promise<void>): Promise<void> {
  const warehouse = openWarehouse(flags);
  try {
    await work(warehouse);
    process.exitCode = EXIT.ok;
  } finally {
    await warehouse.close();
  }
}
