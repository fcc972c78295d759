import type { Gauge } from 'prom-client';
import type { BufferedTables } from './buffered-tables.js';

/** What the batcher holds in memory, sealed or not, as the buffered rows and bytes gauges. */
export class BufferGauges {
  constructor(
    private readonly tables: Pick<BufferedTables, 'bufferedRows' | 'bufferedBytes'>,
    private readonly gauges: { bufferedRows: Gauge; bufferedBytes: Gauge },
  ) {}

  update(): void {
    this.gauges.bufferedRows.set(this.tables.bufferedRows);
    this.gauges.bufferedBytes.set(this.tables.bufferedBytes);
  }
}
