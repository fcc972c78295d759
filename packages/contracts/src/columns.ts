/** One column of a replicated table, as the batcher learns it from Debezium's value schema. */
export interface ColumnSpec {
  name: string;
  /**
   * The PostgreSQL type, lower case, as Debezium reports it with `column.propagate.source.type`
   * (`int4`, `varchar`, `numeric`, `timestamptz`, `_text` for text[], an enum's own name …).
   * Falls back to a name derived from the Kafka Connect schema when the parameter is absent.
   */
  sourceType: string;
  /** varchar(n)/char(n) length or numeric precision; absent when the source column is unconstrained. */
  length?: number;
  /** numeric scale; absent when unconstrained. */
  scale?: number;
  nullable: boolean;
  primaryKey: boolean;
  /** The Kafka Connect logical type (`io.debezium.time.MicroTimestamp` …), for diagnostics only. */
  semanticType?: string;
  /**
   * The column's constant default as Debezium carries it in the value schema, in the batch files'
   * text form (`7`, `draft`, `2024-01-01`): PostgreSQL filled the table's existing rows with it when the
   * column was added. Absent without a default, or with a volatile one (now(), a sequence), which
   * Debezium does not carry.
   */
  defaultValue?: string;
}

/** A stable fingerprint of a column list: equal lists give equal fingerprints, any change gives another. */
export function schemaFingerprint(columns: readonly ColumnSpec[]): string {
  const canonical = columns.map((c) => [c.name, c.sourceType, c.length ?? '', c.scale ?? '', c.nullable ? 1 : 0, c.primaryKey ? 1 : 0].join(':')).join('|');
  return fnv1a64(canonical);
}

function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * prime) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
