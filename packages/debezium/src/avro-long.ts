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

/** avsc options that every Avro decoder of change events must use. */
export const avroOptions = { registry: { long: BigIntLongType } };
