import avro from 'avsc';

/**
 * Avro `long` as BigInt. avsc's default refuses longs beyond 2^53 ("potential precision loss"), and
 * Debezium sends such values: `ts_ns`, LSNs of busy databases, bigint columns, NanoTimestamps.
 */
export const BigIntLongType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (value: number | string | bigint) => BigInt(value),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** Makes every `long` of a schema, written `"long"` or `{"type": "long", …}`, a BigIntLongType. */
function bigIntLongs(schema: unknown): avro.Type | undefined {
  if (schema === 'long') return BigIntLongType;
  if (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long') return BigIntLongType;
  return undefined;
}

/**
 * avsc options that every Avro decoder of change events must use. Deliberately without a `registry`
 * of named types: avsc adds every named type it parses to that registry, so a shared one makes the
 * second schema that names `io.debezium.connector.postgresql.Source` fail with "duplicate type name".
 */
export const avroOptions = { typeHook: bigIntLongs };

/** Parses an Avro schema with BigInt longs and a registry of names of its own. */
export function avroTypeForSchema(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { ...avroOptions } as Partial<avro.ForSchemaOptions>);
}
