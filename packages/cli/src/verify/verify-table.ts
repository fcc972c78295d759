import { qualifiedName } from '@pgshift/contracts';
import { foldIdentifier, type IdentifierRules, type TextQueries } from '@pgshift/warehouse';
import { planComparison, type SourceTableName, sourceColumns, warehouseColumns } from './catalog.js';
import { checksumSql, chunkBoundarySql, maxLsnSql, rowHashesSql, rowValuesSql, tableReference } from './chunk-sql.js';
import { type ComparedTable, describeKey, type KeyRange, type KeyValues, WHOLE_TABLE } from './compared-table.js';
import { differingColumns, diffRowHashes, keyId, type RowHash } from './diff.js';
import { type SqlSide, substitutedCellsSql } from './normalise.js';
import { emptyTableReport, settleStatus, type TableReport } from './table-report.js';

/** Source types whose values a warehouse may hold as a substitute (typing/substitutes.ts). */
const SUBSTITUTABLE_SOURCE_TYPES = new Set(['numeric', 'date', 'timestamp', 'timestamptz']);

/** The two databases and how verify speaks to each. */
export interface Connections {
  source: TextQueries;
  warehouse: TextQueries;
  sourceSide: SqlSide;
  warehouseSide: SqlSide;
  warehouseIdentifiers: IdentifierRules;
}

export interface TableVerifyOptions {
  /** Rows per chunk (source keys). */
  chunkRows: number;
  /** Sample keys per finding. */
  samples: number;
  /** The warehouse schema of every table; undefined: the source table's schema name (PGSHIFT_TARGET_SCHEMA). */
  targetSchema?: string | undefined;
}

interface Checksum {
  count: number;
  hashSum: string;
}

/**
 * Compares one table. Tables with a primary key: chunk by chunk over key ranges found by keyset
 * pagination on the source, a count and hash sum per chunk on both sides; a chunk that differs is
 * located row by row (key and row hash of both sides, each bounded by twice the chunk size; larger
 * ranges are first split on the bigger side's keys). Tables without one: counts and a whole-table hash.
 */
export async function verifyTable(connections: Connections, name: SourceTableName, options: TableVerifyOptions): Promise<TableReport> {
  const ids = connections.warehouseIdentifiers;
  const warehouseName = { schema: foldIdentifier(options.targetSchema ?? name.schema, ids), table: foldIdentifier(name.table, ids) };
  const report = emptyTableReport(qualifiedName(name), qualifiedName(warehouseName));
  try {
    const columns = await sourceColumns(connections.source, name);
    if (columns.length === 0) return { ...report, status: 'error', error: `no table ${report.table} at the source` };
    const targetColumns = await warehouseColumns(connections.warehouse, connections.warehouseSide.dialect, warehouseName.schema, warehouseName.table);
    const dialect = connections.warehouseSide.dialect;
    const plan = planComparison({
      source: name,
      warehouse: warehouseName,
      sourceColumns: columns,
      warehouseColumns: targetColumns,
      identifiers: ids,
      substitution: (column) => {
        // Only these source types can hold what the rules substitute (money has no NaN, and its literals would not parse).
        if (!SUBSTITUTABLE_SOURCE_TYPES.has(column.typeName)) return null;
        const spec = { name: column.name, sourceType: column.typeName, nullable: true, primaryKey: false };
        return dialect.substitution(
          dialect.columnType(column.precision === undefined ? spec : { ...spec, length: column.precision, scale: column.scale ?? 0 }),
        );
      },
    });
    const table = plan.table;
    report.primaryKey = table.key.map((c) => c.name);
    report.softDelete = table.softDelete;
    report.missingColumns = plan.missingColumns;
    report.uncomparedColumns = plan.uncomparedColumns;

    if (targetColumns.length === 0) {
      const rows = await connections.source.queryText(`SELECT CAST(COUNT(*) AS TEXT) AS "row_count" FROM ${tableReference(table, connections.sourceSide)}`);
      const count = Number(rows[0]?.row_count ?? 0);
      const primaryKey = columns
        .filter((c) => c.keyPosition !== null)
        .sort((a, b) => a.keyPosition! - b.keyPosition!)
        .map((c) => c.name);
      return { ...report, status: 'missing-table', primaryKey, missingColumns: [], sourceRows: count, missing: { count, samples: [] } };
    }
    const [lsn] = await connections.warehouse.queryText(maxLsnSql(table, connections.warehouseSide)).catch(() => [{ max_lsn: null }]);
    report.maxLsn = lsn?.max_lsn ?? null;

    const comparison = new TableComparison(connections, table, options, report);
    if (table.key.length === 0) await comparison.wholeTable();
    else await comparison.byChunks();
    const substituted = substitutedCellsSql(table.columns, tableReference(table, connections.sourceSide));
    if (substituted !== null) report.substituted = Number((await connections.source.queryText(substituted))[0]?.substituted ?? 0);
    return settleStatus(report);
  } catch (error) {
    return { ...report, status: 'error', error: error instanceof Error ? error.message : String(error) };
  }
}

class TableComparison {
  constructor(
    private readonly c: Connections,
    private readonly table: ComparedTable,
    private readonly options: TableVerifyOptions,
    private readonly report: TableReport,
  ) {}

  async wholeTable(): Promise<void> {
    const [source, warehouse] = await this.checksums(WHOLE_TABLE);
    this.report.chunks = 1;
    this.report.sourceRows = source.count;
    this.report.warehouseRows = warehouse.count;
    this.report.hashesEqual = source.count === warehouse.count && source.hashSum === warehouse.hashSum;
    if (!this.report.hashesEqual) this.report.chunksDiffering = 1;
  }

  async byChunks(): Promise<void> {
    let after: KeyValues | null = null;
    for (;;) {
      const upTo = await this.boundary(this.c.source, this.c.sourceSide, { after, upTo: null });
      const range: KeyRange = { after, upTo };
      const [source, warehouse] = await this.checksums(range);
      this.report.chunks += 1;
      this.report.sourceRows += source.count;
      this.report.warehouseRows += warehouse.count;
      if (source.count !== warehouse.count || source.hashSum !== warehouse.hashSum) {
        this.report.chunksDiffering += 1;
        await this.locate(range, source.count, warehouse.count);
      }
      if (upTo === null) return;
      after = upTo;
    }
  }

  /** Finds the rows behind a range's differing checksums. */
  private async locate(range: KeyRange, sourceCount: number, warehouseCount: number): Promise<void> {
    const { chunkRows, samples } = this.options;
    if (sourceCount === 0) {
      this.report.extra.count += warehouseCount;
      await this.sampleKeys(this.c.warehouse, this.c.warehouseSide, range, this.report.extra.samples);
      return;
    }
    if (warehouseCount === 0) {
      this.report.missing.count += sourceCount;
      await this.sampleKeys(this.c.source, this.c.sourceSide, range, this.report.missing.samples);
      return;
    }
    const limit = 2 * chunkRows;
    if (sourceCount > limit || warehouseCount > limit) {
      await this.split(range, warehouseCount >= sourceCount ? 'warehouse' : 'source');
      return;
    }
    const [source, warehouse] = await Promise.all([
      this.rowHashes(this.c.source, this.c.sourceSide, range, limit),
      this.rowHashes(this.c.warehouse, this.c.warehouseSide, range, limit),
    ]);
    const diff = diffRowHashes(source, warehouse);
    this.report.missing.count += diff.missing.length;
    this.report.extra.count += diff.extra.length;
    this.report.differing.count += diff.differing.length;
    for (const key of diff.missing) if (this.report.missing.samples.length < samples) this.report.missing.samples.push(describeKey(this.table, key));
    for (const key of diff.extra) if (this.report.extra.samples.length < samples) this.report.extra.samples.push(describeKey(this.table, key));
    const wanted = diff.differing.slice(0, Math.max(0, samples - this.report.differing.samples.length));
    if (wanted.length > 0) this.report.differing.samples.push(...(await this.differingSamples(wanted)));
  }

  /** Walks a large range in sub-ranges of at most chunkRows keys of one side. */
  private async split(range: KeyRange, by: 'source' | 'warehouse'): Promise<void> {
    const [runner, side] = by === 'source' ? [this.c.source, this.c.sourceSide] : [this.c.warehouse, this.c.warehouseSide];
    let after = range.after;
    for (;;) {
      const boundary = await this.boundary(runner, side, { after, upTo: range.upTo });
      const sub: KeyRange = { after, upTo: boundary ?? range.upTo };
      const [source, warehouse] = await this.checksums(sub);
      if (source.count !== warehouse.count || source.hashSum !== warehouse.hashSum) await this.locate(sub, source.count, warehouse.count);
      if (boundary === null) return;
      after = boundary;
    }
  }

  private async checksums(range: KeyRange): Promise<[Checksum, Checksum]> {
    const read = async (runner: TextQueries, side: SqlSide): Promise<Checksum> => {
      const [row] = await runner.queryText(checksumSql(this.table, side, range));
      return { count: Number(row?.row_count ?? 0), hashSum: row?.hash_sum ?? '0' };
    };
    return Promise.all([read(this.c.source, this.c.sourceSide), read(this.c.warehouse, this.c.warehouseSide)]);
  }

  private async boundary(runner: TextQueries, side: SqlSide, range: KeyRange): Promise<KeyValues | null> {
    const [row] = await runner.queryText(chunkBoundarySql(this.table, side, range, this.options.chunkRows));
    return row ? this.keyOf(row) : null;
  }

  private async rowHashes(runner: TextQueries, side: SqlSide, range: KeyRange, limit: number): Promise<RowHash[]> {
    const rows = await runner.queryText(rowHashesSql(this.table, side, range, limit));
    return rows.map((row) => ({ key: this.keyOf(row), hash: row.row_hash ?? '' }));
  }

  private async sampleKeys(runner: TextQueries, side: SqlSide, range: KeyRange, into: string[]): Promise<void> {
    const wanted = this.options.samples - into.length;
    if (wanted <= 0) return;
    for (const row of await this.rowHashes(runner, side, range, wanted)) into.push(describeKey(this.table, row.key));
  }

  /** The columns that differ for each key, from both sides' normalised values. */
  private async differingSamples(keys: readonly KeyValues[]): Promise<{ key: string; columns: string[] }[]> {
    const read = async (runner: TextQueries, side: SqlSide) => {
      const rows = await runner.queryText(rowValuesSql(this.table, side, keys));
      return new Map(rows.map((row) => [keyId(this.keyOf(row)), this.table.columns.map((_, i) => row[`v${i}`] ?? null)]));
    };
    const [source, warehouse] = await Promise.all([read(this.c.source, this.c.sourceSide), read(this.c.warehouse, this.c.warehouseSide)]);
    const names = this.table.columns.map((c) => c.name);
    return keys.map((key) => {
      const s = source.get(keyId(key));
      const w = warehouse.get(keyId(key));
      // Changed between the two reads: name no column rather than a wrong one.
      return { key: describeKey(this.table, key), columns: s && w ? differingColumns(names, s, w) : [] };
    });
  }

  private keyOf(row: Record<string, string | null>): KeyValues {
    return this.table.key.map((_, i) => row[`k${i}`] ?? '');
  }
}
