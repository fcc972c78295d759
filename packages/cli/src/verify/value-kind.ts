import { type SourceTypeClass, sourceTypeClass } from '@pgshift/warehouse';

/**
 * How verify compares a column: the family of its source type. Both sides turn a value of the same kind
 * into the same text (normalise.ts), whatever type the warehouse gave the column (typing/redshift.ts,
 * typing/postgres.ts).
 */
export type ValueKind =
  /** The source type's class (typing/type-class.ts): citext compared as plain text, json also for hstore and arrays, `other` as text form. */
  | Exclude<SourceTypeClass, 'spatial'>
  /** Not compared (spatial types: the warehouse holds another representation). */
  | 'unsupported';

/** A source column as the catalog describes it (pg_type of the column, or of a domain's base type). */
export interface SourceColumnType {
  /** pg_type.typname of the base type: `int4`, `_text`, `mood` … */
  typeName: string;
  /** pg_type.typtype: `b` base, `e` enum, `c` composite, `r` range … */
  typeType: string;
  /** pg_type.typcategory: `A` for arrays. */
  category: string;
}

/**
 * The kind of a source column, from the warehouse package's one classification of source types
 * (typing/type-class.ts), by its pg_type name as the catalog has it (no spelling aliases).
 */
export function valueKindOf(type: SourceColumnType): ValueKind {
  if (type.category === 'A') return 'json';
  if (type.typeType === 'e') return 'other';
  const typeClass = sourceTypeClass({ name: type.typeName, isArray: false });
  return typeClass === 'spatial' ? 'unsupported' : typeClass;
}

/**
 * Key kinds whose native order is the same on both sides (the warehouse types keep the order), so that
 * key ranges can use the source's index. Other key kinds are ordered by their normalised text.
 */
export function hasPortableOrder(kind: ValueKind): boolean {
  return ['integer', 'numeric', 'text', 'uuid', 'date', 'timestamp', 'timestamptz'].includes(kind);
}
