/** What verify found for one table (the `--json` document carries these as they are). */
export interface TableReport {
  /** The source table, `schema.table`. */
  table: string;
  /** The warehouse table, `schema.table` as the warehouse stores it. */
  warehouseTable: string;
  /**
   * `in-sync`: every compared row and column is equal. `differs`: rows missing, extra or differing,
   * source columns missing in the warehouse, or (no primary key) the whole-table hashes differ.
   * `missing-table`: no such table in the warehouse. `error`: verify could not compare it.
   */
  status: 'in-sync' | 'differs' | 'missing-table' | 'error';
  /** Primary key columns; empty: counts and a whole-table hash only. */
  primaryKey: string[];
  sourceRows: number;
  /** Rows not marked deleted (soft-delete tables). */
  warehouseRows: number;
  missing: { count: number; samples: string[] };
  extra: { count: number; samples: string[] };
  differing: { count: number; samples: { key: string; columns: string[] }[] };
  /**
   * Source cells the warehouse cannot hold (infinity, NaN, numerics beyond DECIMAL(38) on Redshift) that
   * hold their documented substitute there (typing/substitutes.ts): compared as that substitute and
   * counted here, apart from real differences (pgshift records each in pgshift.substitutes_…).
   */
  substituted: number;
  /** Tables without a primary key: whether the whole-table hashes agree. */
  hashesEqual?: boolean;
  chunks: number;
  chunksDiffering: number;
  softDelete: boolean;
  /** Source columns the warehouse table does not have. */
  missingColumns: string[];
  uncomparedColumns: { name: string; reason: string }[];
  /** Highest `_pgshift_lsn` in the warehouse table (decimal), null when unknown or empty. */
  maxLsn: string | null;
  error?: string;
}

export function emptyTableReport(table: string, warehouseTable: string): TableReport {
  return {
    table,
    warehouseTable,
    status: 'in-sync',
    primaryKey: [],
    sourceRows: 0,
    warehouseRows: 0,
    missing: { count: 0, samples: [] },
    extra: { count: 0, samples: [] },
    differing: { count: 0, samples: [] },
    substituted: 0,
    chunks: 0,
    chunksDiffering: 0,
    softDelete: false,
    missingColumns: [],
    uncomparedColumns: [],
    maxLsn: null,
  };
}

/** `differs` when anything was found, else the status given. */
export function settleStatus(report: TableReport): TableReport {
  if (report.status !== 'in-sync') return report;
  const found =
    report.missing.count + report.extra.count + report.differing.count > 0 ||
    report.missingColumns.length > 0 ||
    report.hashesEqual === false ||
    report.sourceRows !== report.warehouseRows;
  return found ? { ...report, status: 'differs' } : report;
}
