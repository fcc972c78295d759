import { qualifiedName } from '@pgshift/contracts';
import type { FlushLimits } from './config.js';
import { TableBatcher } from './table-batcher.js';

/**
 * Every change topic's TableBatcher, created on its first message, and what is asked of all of them at
 * once: their sizes, sealing, and forgetting what is open after a rebalance.
 */
export class BufferedTables {
  private readonly tables = new Map<string, TableBatcher>();

  constructor(
    /** The flush limits of a source table, by qualified name. */
    private readonly limitsFor: (qualifiedName: string) => FlushLimits,
    /** Called whenever a table seals a batch. */
    private readonly onSealed: (table: TableBatcher) => void,
  ) {}

  for(topic: string): TableBatcher {
    let table = this.tables.get(topic);
    if (!table) {
      table = new TableBatcher(topic, (ref) => this.limitsFor(qualifiedName(ref)), this.onSealed);
      this.tables.set(topic, table);
    }
    return table;
  }

  all(): IterableIterator<TableBatcher> {
    return this.tables.values();
  }

  sealAll(): void {
    for (const table of this.tables.values()) table.seal();
  }

  /** After a (re)join kafkajs re-delivers from the committed offsets: what is open would arrive twice. */
  discardOpen(): void {
    for (const table of this.tables.values()) table.discardOpen();
  }

  get bufferedBytes(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.bufferedBytes;
    return total;
  }

  get bufferedRows(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.bufferedRows;
    return total;
  }
}
