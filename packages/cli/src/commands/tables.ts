import { userInfo } from 'node:os';
import { Command } from 'commander';
import { readCliConfig } from '../cli-config.js';
import { EXIT, UsageError } from '../cli-error.js';
import { useColour } from '../colour.js';
import { ControlClient, DEFAULT_CONTROL_URL } from '../tables/control-client.js';
import { formatAction, formatTables } from '../tables/format-tables.js';

/** The flags of `tables` and of its subcommands, wherever they were given (`tables --as x pause t` or `tables pause t --as x`). */
interface Flags {
  json?: boolean;
  as?: string;
  url?: string;
}

export function tablesCommand(): Command {
  const withCommon = (command: Command) =>
    command
      .option('--json', 'print JSON instead of text')
      .option('--as <name>', 'who asks, as the control service logs it (default: $USER)')
      .option('--url <url>', `control API base URL (default: $PGSHIFT_CONTROL_URL or ${DEFAULT_CONTROL_URL})`);

  const command = withCommon(
    new Command('tables')
      .summary('list the replicated tables, and pause, resume, retry, schedule or replay one')
      .description(
        [
          'Every table any loader reports, with its state (streaming, paused,',
          'scheduled-waiting, waiting-for-dependency, stopped), lag, rows applied,',
          'last batch and last error, through the control API (PGSHIFT_CONTROL_URL,',
          'PGSHIFT_CONTROL_TOKEN). The subcommands change one table; every loader',
          'instance acts on the change, and it survives restarts.',
        ].join('\n'),
      ),
  ).action(async (flags: Flags) => {
    const views = await client(flags).list();
    process.stdout.write(
      flags.json ? `${JSON.stringify({ tables: views }, null, 2)}\n` : formatTables(views, Date.now(), { colour: useColour(process.stdout) }),
    );
    process.exitCode = EXIT.ok;
  });

  const action = (name: 'pause' | 'resume' | 'retry', summary: string) =>
    withCommon(new Command(name).summary(summary).description(summary).argument('<table>', 'schema.table')).action(
      async (table: string, _flags: Flags, self: Command) => {
        const flags = self.optsWithGlobals<Flags>();
        report(await client(flags).act(table, name), flags);
      },
    );
  command.addCommand(action('pause', 'pause a table: its batches wait in order (nothing skipped) until it is resumed'));
  command.addCommand(action('resume', 'resume a paused table: it catches up on what waited'));
  command.addCommand(action('retry', 'make a stopped table try its failed batch now (after fixing the cause), instead of after its backoff'));
  command.addCommand(
    withCommon(
      new Command('schedule')
        .summary('load a table continuously, every N minutes or hours, or at fixed times (UTC)')
        .description(
          [
            'continuous (the default): batches load as they arrive.',
            'every 1h, every 30m: windows open at each multiple of the interval since 00:00 UTC.',
            'at 02:00,14:00: windows open at these times of day, UTC.',
            'Between windows the batches accumulate; when a window opens, every batch created before it loads.',
          ].join('\n'),
        )
        .argument('<table>', 'schema.table')
        .argument('<schedule...>', 'continuous | every <n>m|h | at HH:MM[,HH:MM…]'),
    ).action(async (table: string, words: string[], _flags: Flags, self: Command) => {
      const flags = self.optsWithGlobals<Flags>();
      report(await client(flags).schedule(table, words.join(' ')), flags);
    }),
  );
  command.addCommand(
    withCommon(
      new Command('replay')
        .summary("read a table's change topic again from a time or an offset, while the other tables stream")
        .description(
          [
            "The batchers owning the topic's partitions write out what they hold of it, then read it again",
            "from the given start (never past what they committed, so nothing is skipped); the loaders'",
            'ledger drops every change already applied, so a replay changes nothing that is in sync.',
            "Use it after resetting a table's ledger rows, or to re-drive a repaired dead letter.",
            'Each partition is replayed once per request, across restarts and rebalances.',
            '--from: earliest | an ISO time with its zone (2026-12-02T06:00:00Z) | an offset (on every',
            'partition) | offsets per partition (0:120,2:7).',
          ].join('\n'),
        )
        .argument('<table>', 'schema.table')
        .requiredOption('--from <start>', 'earliest | <ISO time> | <offset> | <partition:offset,…>'),
    ).action(async (table: string, _flags: Flags, self: Command) => {
      const flags = self.optsWithGlobals<Flags & { from: string }>();
      report(await client(flags).replay(table, flags.from), flags);
    }),
  );
  return command;
}

function client(flags: Flags): ControlClient {
  const config = readCliConfig();
  const token = config.PGSHIFT_CONTROL_TOKEN;
  if (!token) throw new UsageError('set PGSHIFT_CONTROL_TOKEN to the control service token');
  return new ControlClient(flags.url ?? config.PGSHIFT_CONTROL_URL ?? DEFAULT_CONTROL_URL, token, actor(flags.as));
}

function actor(flag: string | undefined): string {
  const name = flag ?? process.env.USER ?? process.env.LOGNAME ?? safeUserName();
  if (!name) throw new UsageError('say who asks with --as <name> ($USER is not set)');
  return name;
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function report(result: Awaited<ReturnType<ControlClient['act']>>, flags: Flags): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(formatAction(result));
    if (!result.known) process.stderr.write(`note: no loader has reported ${result.table} yet; the change applies when one takes it up\n`);
  }
  process.exitCode = EXIT.ok;
}
