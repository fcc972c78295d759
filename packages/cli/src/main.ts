#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from './cli-error.js';
import { deadLettersCommand } from './commands/dead-letters.js';
import { doctorCommand } from './commands/doctor.js';
import { ledgerCommand } from './commands/ledger.js';
import { tablesCommand } from './commands/tables.js';
import { verifyCommand } from './commands/verify.js';

const program = new Command('pgshift')
  .description(
    'Operate a pgshift pipeline (PostgreSQL → Kafka → S3 → Redshift): check the warehouse against the source, check the whole setup (doctor), control tables (pause, resume, retry, schedule), manage the load ledger, re-drive dead letters.',
  )
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride()
  .addCommand(verifyCommand())
  .addCommand(ledgerCommand())
  .addCommand(deadLettersCommand())
  .addCommand(doctorCommand())
  .addCommand(tablesCommand());

for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every usage mistake exits 2 (commander already printed it).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`pgshift: ${describe(error)}\n`);
    process.exitCode = EXIT.usage;
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
