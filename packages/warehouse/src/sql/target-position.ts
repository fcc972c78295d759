import { META } from '@pgshift/contracts';
import type { Dialect } from '../dialect.js';
import type { TargetTable } from '../merge-plan.js';
import { quoteIdentifier, quoteQualified } from './identifiers.js';

/**
 * The source position of the newest change in a target table: `max(_pgshift_lsn)` as one row, one
 * column `lsn` (NULL for an empty table). Only run when a column is about to be dropped.
 */
export function selectLatestLsnStatement(dialect: Dialect, target: TargetTable): string {
  const lsn = quoteIdentifier(META.lsn, dialect.identifiers);
  return `SELECT max(${lsn}) AS ${quoteIdentifier('lsn', dialect.identifiers)} FROM ${quoteQualified(target.schema, target.table, dialect.identifiers)}`;
}
