import { Command } from 'commander';
import { readCliConfig } from '../cli-config.js';
import { EXIT, parsePositiveInteger } from '../cli-error.js';
import type { DeadLetterRecord } from '../dead-letters/dead-letter-record.js';
import { brokersFrom, cliKafka } from '../dead-letters/kafka-client.js';
import { listDeadLetters, redriveDeadLetters } from '../dead-letters/redrive.js';
import { formatColumns } from '../format-table.js';

const DEFAULT_TOPIC = 'pgshift.dead-letter';

export function deadLettersCommand(): Command {
  const command = new Command('dead-letters')
    .summary('inspect and re-drive messages the batcher or loader could not process')
    .description(
      [
        'A message pgshift cannot process (malformed Avro, an unknown schema, a value',
        `the warehouse refuses …) is copied unchanged to the dead-letter topic`,
        `(default ${DEFAULT_TOPIC}) with headers saying where it came from and why,`,
        'and the pipeline moves on. Once the cause is fixed, re-drive the letters so',
        'that they flow through again.',
      ].join('\n'),
    );

  command.addCommand(
    new Command('list')
      .summary('print the dead letters: where each came from, why, and when')
      .description(
        [
          'Print the dead letters from the beginning of the topic: where each came',
          'from (topic[partition]@offset), why, and when. Reads with a throwaway',
          'consumer group; commits nothing.',
        ].join('\n'),
      )
      .option('--topic <name>', 'dead-letter topic', DEFAULT_TOPIC)
      .option('--limit <n>', 'print at most this many (the oldest first)', parsePositiveInteger('--limit'), 20)
      .option('--brokers <list>', 'Kafka brokers, comma-separated host:port (default: $PGSHIFT_KAFKA_BROKERS)')
      .option('--json', 'print JSON instead of text')
      .action(async (flags: { topic: string; limit: number; brokers?: string; json?: boolean }) => {
        const kafka = commandKafka(flags.brokers);
        const records = await listDeadLetters(kafka, flags.topic);
        const shown = records.slice(0, flags.limit);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ total: records.length, deadLetters: shown }, null, 2)}\n`);
        } else {
          if (shown.length > 0) process.stdout.write(formatColumns(['at', 'from', 'reason', 'failed at', 'error'], shown.map(listRow)));
          process.stdout.write(`${records.length} dead letters on ${flags.topic}${records.length > shown.length ? `, ${shown.length} shown (--limit)` : ''}\n`);
        }
        process.exitCode = EXIT.ok;
      }),
  );

  command.addCommand(
    new Command('redrive')
      .summary('re-publish dead letters to their original topic after a fix')
      .description(
        [
          'Re-publish dead letters to their original topic and partition (key, value',
          'and their own headers, without the dead-letter headers), so that after a',
          'fix they flow through the pipeline again.',
          '',
          'Progress is the committed offset of a consumer group on the dead-letter',
          'topic: a second run continues after the last letter handled and repeats',
          'nothing. The group is pgshift-redrive, or pgshift-redrive.reason=R.topic=T',
          'for a filtered selection: each selection has its own cursor, so letters',
          'one filter passed over are still offered to another. Do not mix filtered',
          'and unfiltered re-drives of the same letters: the second would publish',
          'them again.',
        ].join('\n'),
      )
      .option('--topic <name>', 'dead-letter topic', DEFAULT_TOPIC)
      .option('--reason <reason>', 'only letters with this pgshift-reason header (e.g. malformed-avro)')
      .option('--original-topic <topic>', 'only letters that came from this topic')
      .option('--dry-run', 'print what would be re-driven; publish and commit nothing')
      .option('--brokers <list>', 'Kafka brokers, comma-separated host:port (default: $PGSHIFT_KAFKA_BROKERS)')
      .option('--json', 'print JSON instead of text')
      .action(async (flags: { topic: string; reason?: string; originalTopic?: string; dryRun?: boolean; brokers?: string; json?: boolean }) => {
        const kafka = commandKafka(flags.brokers);
        const verb = flags.dryRun ? 'would re-drive' : 're-drove';
        const result = await redriveDeadLetters(kafka, {
          topic: flags.topic,
          filter: { reason: flags.reason, originalTopic: flags.originalTopic },
          dryRun: flags.dryRun ?? false,
          onRedriven: flags.json ? undefined : (r) => process.stdout.write(`${verb} ${r.partition}@${r.offset} → ${origin(r)} (${r.reason ?? 'no reason'})\n`),
        });
        if (flags.json) process.stdout.write(`${JSON.stringify({ dryRun: flags.dryRun ?? false, ...result }, null, 2)}\n`);
        else {
          for (const r of result.unroutable) process.stdout.write(`skipped ${r.partition}@${r.offset}: no pgshift-original-topic header\n`);
          process.stdout.write(
            `${verb} ${result.redriven.length} dead letters; ${result.passedOver} not matching the filter; ${result.unroutable.length} without an original topic (cursor: consumer group ${result.groupId})\n`,
          );
        }
        process.exitCode = EXIT.ok;
      }),
  );
  return command;
}

function commandKafka(brokersFlag: string | undefined) {
  const config = readCliConfig();
  return cliKafka(brokersFrom(brokersFlag, config.PGSHIFT_KAFKA_BROKERS), config.PGSHIFT_LOG_LEVEL);
}

function origin(r: DeadLetterRecord): string {
  return `${r.originalTopic ?? '?'}[${r.originalPartition ?? '?'}]@${r.originalOffset ?? '?'}`;
}

function listRow(r: DeadLetterRecord): string[] {
  const error = (r.error ?? '').replace(/\s+/g, ' ');
  return [`${r.partition}@${r.offset}`, origin(r), r.reason ?? '', r.failedAt ?? '', error.length > 100 ? `${error.slice(0, 99)}…` : error];
}
