import { type ColumnSpec, META } from '@pgshift/contracts';
import type { Dialect } from './dialect.js';
import { InvalidIdentifier } from './errors.js';
import { checkIdentifier, foldIdentifier } from './sql/identifiers.js';

/** A batch column and the warehouse column it lands in. */
export interface MappedColumn {
  source: ColumnSpec;
  /** The target column's name as the warehouse stores it (folded to lower case on Redshift). */
  name: string;
  /** The target column type for this source column (typing/). */
  type: string;
  primaryKey: boolean;
}

/**
 * Maps a batch's columns, in their order (the CSV's order), to target columns. Refuses names the
 * warehouse would cut, two source names that fold to one target name (`Id` and `id` on Redshift), and
 * source names that would collide with pgshift's own `_pgshift_` columns.
 */
export function mapColumns(dialect: Dialect, columns: readonly ColumnSpec[]): MappedColumn[] {
  const reserved = new Set<string>(Object.values(META));
  const seen = new Map<string, string>();
  return columns.map((source) => {
    const name = foldIdentifier(source.name, dialect.identifiers);
    checkIdentifier(name, dialect.identifiers);
    if (reserved.has(name)) throw new InvalidIdentifier(`source column ${JSON.stringify(source.name)} collides with pgshift's own column ${name}`);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new InvalidIdentifier(
        `source columns ${JSON.stringify(earlier)} and ${JSON.stringify(source.name)} both become ${JSON.stringify(name)} in the warehouse`,
      );
    }
    seen.set(name, source.name);
    return { source, name, type: dialect.columnType(source), primaryKey: source.primaryKey };
  });
}

export function primaryKeyOf(columns: readonly MappedColumn[]): MappedColumn[] {
  return columns.filter((c) => c.primaryKey);
}
