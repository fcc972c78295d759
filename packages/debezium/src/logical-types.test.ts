import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNCHANGED } from '@pgshift/contracts';
import { LosslessNumber } from 'lossless-json';
import type { ConnectSchema } from './connect-schema.js';
import {
  bitsText,
  bytesText,
  dateText,
  decimalBytesText,
  decimalText,
  float32Text,
  float64Text,
  geometryText,
  isoIntervalText,
  microDurationText,
  microTimestampText,
  microTimeText,
  nanoTimestampText,
  nanoTimeText,
  pointText,
  timeMillisText,
  timestampMillisText,
  variableScaleDecimalText,
  zonedTimestampText,
  zonedTimeText,
} from './logical-types.js';
import { compileCellConverter, DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER } from './value-converter.js';

/** Two's-complement big-endian bytes of n, the shortest that hold it (Java's BigInteger.toByteArray). */
function twosComplement(n: bigint): Buffer {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++;
  const unsigned = n < 0n ? (1n << BigInt(8 * bytes)) + n : n;
  return Buffer.from(unsigned.toString(16).padStart(bytes * 2, '0'), 'hex');
}

/** Days since 1970-01-01 by the JS calendar (proleptic Gregorian, astronomical years), as an independent oracle. */
function epochDays(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / 86_400_000);
}

const schema = (s: Partial<ConnectSchema> & Pick<ConnectSchema, 'type'>): ConnectSchema => ({ optional: true, parameters: {}, ...s });

test('Decimal bytes become exact decimal text: negative, tiny, 38 digits, scale 0 and negative scale', () => {
  assert.equal(decimalBytesText(twosComplement(-5n), 3), '-0.005');
  assert.equal(decimalBytesText(twosComplement(12345678901234567890123456789012n), 2), '123456789012345678901234567890.12');
  assert.equal(decimalBytesText(twosComplement(99999999999999999999999999999999999999n), 10), '9999999999999999999999999999.9999999999');
  assert.equal(decimalBytesText(twosComplement(-99999999999999999999999999999999999999n), 0), '-99999999999999999999999999999999999999');
  assert.equal(decimalBytesText(twosComplement(-128n), 0), '-128');
  assert.equal(decimalBytesText(Buffer.from([0x00, 0x80]), 0), '128');
  assert.equal(decimalBytesText(twosComplement(-123456780n), 5), '-1234.56780');
  assert.equal(decimalBytesText(twosComplement(0n), 2), '0.00');
  assert.equal(decimalBytesText(twosComplement(-1n), 2), '-0.01');
  assert.equal(decimalBytesText(twosComplement(2n ** 47n), 0), '140737488355328');
  assert.equal(decimalBytesText(twosComplement(-(2n ** 47n)), 1), '-14073748835532.8');
  assert.equal(decimalText(12n, -2), '1200');
  assert.equal(decimalText(0n, -2), '0');
});

test('VariableScaleDecimal (unconstrained numeric) keeps its own scale', () => {
  assert.equal(variableScaleDecimalText({ scale: 1, value: twosComplement(15n) }), '1.5');
  assert.equal(variableScaleDecimalText({ scale: 20, value: twosComplement(-1n) }), '-0.00000000000000000001');
  assert.equal(variableScaleDecimalText({ scale: 0, value: twosComplement(10n ** 40n) }), `1${'0'.repeat(40)}`);
});

test('integers keep every digit, int64 extremes included, from Avro BigInts and JSON LosslessNumbers', () => {
  const int64 = compileCellConverter(schema({ type: 'int64' }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(int64(9223372036854775807n), '9223372036854775807');
  assert.equal(int64(-9223372036854775808n), '-9223372036854775808');
  assert.equal(int64(new LosslessNumber('9007199254740993')), '9007199254740993');
  const int16 = compileCellConverter(schema({ type: 'int16' }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(int16(-32768), '-32768');
  assert.equal(int16(null), null);
});

test('floats: shortest round-trip text, float32 without double noise, NaN and ±Infinity, negative zero', () => {
  assert.equal(float32Text(Math.fround(1.1)), '1.1');
  assert.equal(float32Text(Math.fround(0.1)), '0.1');
  assert.equal(float32Text(Math.fround(-3.4028234663852886e38)), '-3.4028235e+38');
  assert.equal(float32Text(Math.fround(1e-45)), '1e-45');
  assert.equal(float32Text(Math.fround(16777217)), '16777216');
  assert.equal(float32Text(Math.fround(3e10)), '30000000000');
  assert.equal(float32Text(Math.fround(123456789)), '123456790');
  assert.equal(float32Text(Math.fround(123.456)), '123.456');
  assert.equal(float32Text(NaN), 'NaN');
  assert.equal(float32Text(-Infinity), '-Infinity');
  assert.equal(float64Text(0.1 + 0.2), '0.30000000000000004');
  assert.equal(float64Text(Infinity), 'Infinity');
  assert.equal(float64Text(-0), '-0');
  assert.equal(float64Text(5e-324), '5e-324');
  const float64 = compileCellConverter(schema({ type: 'float64' }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(float64('NaN'), 'NaN', 'the JsonConverter writes non-finite doubles as strings');
  assert.equal(float64(new LosslessNumber('1.0E-7')), '1e-7');
});

test('booleans, and bit(1) as PostgreSQL prints it', () => {
  assert.equal(compileCellConverter(schema({ type: 'boolean' }), '')(false), 'false');
  const bit1 = compileCellConverter(schema({ type: 'boolean', parameters: { '__debezium.source.column.type': 'BIT' } }), '');
  assert.equal(bit1(true), '1');
  assert.equal(bit1(false), '0');
});

test('Date: epoch days to YYYY-MM-DD, before 1970, before year 1000, BC and beyond 9999', () => {
  assert.equal(dateText(0), '1970-01-01');
  assert.equal(dateText(-1), '1969-12-31');
  assert.equal(dateText(epochDays(1900, 1, 1)), '1900-01-01');
  assert.equal(dateText(epochDays(2000, 2, 29)), '2000-02-29');
  assert.equal(dateText(epochDays(999, 12, 31)), '0999-12-31');
  assert.equal(dateText(epochDays(1, 1, 1)), '0001-01-01');
  assert.equal(dateText(epochDays(0, 12, 31)), '0001-12-31 BC', 'astronomical year 0 is 1 BC');
  assert.equal(dateText(epochDays(0, 1, 1)), '0001-01-01 BC');
  assert.equal(dateText(epochDays(-4712, 1, 1)), '4713-01-01 BC');
  assert.equal(dateText(epochDays(9999, 12, 31)), '9999-12-31');
  assert.equal(dateText(epochDays(10000, 1, 1)), '10000-01-01');
});

test('Time, MicroTime, NanoTime: HH:MM:SS with µs kept and 24:00:00 allowed', () => {
  assert.equal(microTimeText(0n), '00:00:00');
  assert.equal(microTimeText(86_400_000_000n), '24:00:00');
  assert.equal(microTimeText(1n), '00:00:00.000001');
  assert.equal(microTimeText(45_296_120_000n), '12:34:56.12');
  assert.equal(timeMillisText(3_723_456), '01:02:03.456');
  assert.equal(nanoTimeText(3_723_456_789_000n), '01:02:03.456789');
});

test('Timestamp, MicroTimestamp, NanoTimestamp: exact µs, negative epochs, far past and future', () => {
  assert.equal(microTimestampText(0n), '1970-01-01 00:00:00');
  assert.equal(microTimestampText(-1n), '1969-12-31 23:59:59.999999');
  assert.equal(microTimestampText(BigInt(epochDays(1900, 1, 1)) * 86_400_000_000n + 1n), '1900-01-01 00:00:00.000001');
  assert.equal(microTimestampText(BigInt(epochDays(2262, 4, 12)) * 86_400_000_000n + 123_456n), '2262-04-12 00:00:00.123456');
  assert.equal(microTimestampText(BigInt(epochDays(1, 1, 1)) * 86_400_000_000n - 1n), '0001-12-31 23:59:59.999999 BC');
  assert.equal(microTimestampText(9223372036854775807n), '294247-01-10 04:00:54.775807');
  assert.equal(microTimestampText(BigInt(epochDays(-271000, 3, 1)) * 86_400_000_000n + 7n), '271001-03-01 00:00:00.000007 BC');
  assert.equal(timestampMillisText(-1n), '1969-12-31 23:59:59.999');
  assert.equal(timestampMillisText(BigInt(epochDays(2262, 4, 12)) * 86_400_000n + 123n), '2262-04-12 00:00:00.123');
  assert.equal(nanoTimestampText(1_500n), '1970-01-01 00:00:00.000001');
  assert.equal(nanoTimestampText(-1n), '1969-12-31 23:59:59.999999', 'floors to the µs below');
  assert.equal(nanoTimestampText(9223372036854775806n), '2262-04-11 23:47:16.854775');
});

test('ZonedTimestamp and ZonedTime: ISO in UTC to PostgreSQL text with +00', () => {
  assert.equal(zonedTimestampText('2021-03-04T05:06:07.123456Z'), '2021-03-04 05:06:07.123456+00');
  assert.equal(zonedTimestampText('2021-03-04T05:06:07Z'), '2021-03-04 05:06:07+00');
  assert.equal(zonedTimestampText('2021-03-04T05:06:07.120000Z'), '2021-03-04 05:06:07.12+00');
  assert.equal(zonedTimestampText('+10000-01-01T00:00:00Z'), '10000-01-01 00:00:00+00');
  assert.equal(zonedTimestampText('0000-06-01T00:00:00Z'), '0001-06-01 00:00:00+00 BC');
  assert.equal(zonedTimestampText('-0001-06-01T00:00:00.5Z'), '0002-06-01 00:00:00.5+00 BC');
  assert.equal(zonedTimestampText('2021-03-04T05:06:07+05:30'), '2021-03-04 05:06:07+05:30');
  assert.equal(zonedTimeText('05:06:07.123Z'), '05:06:07.123+00');
  assert.equal(zonedTimeText('24:00:00Z'), '24:00:00+00');
});

test('Interval (string mode) becomes PostgreSQL iso_8601 text: zero components left out', () => {
  assert.equal(isoIntervalText('P1Y2M3DT4H5M6.78S'), 'P1Y2M3DT4H5M6.78S');
  assert.equal(isoIntervalText('P0Y0M-3DT0H0M-1.5S'), 'P-3DT-1.5S');
  assert.equal(isoIntervalText('P0Y0M0DT0H0M0S'), 'PT0S');
  assert.equal(isoIntervalText('P0Y14M0DT0H0M0S'), 'P14M');
  assert.equal(isoIntervalText('P0Y0M0DT0H0M0.000001S'), 'PT0.000001S');
  assert.equal(isoIntervalText('P-1Y0M0DT-2H0M0S'), 'P-1YT-2H');
});

test('MicroDuration becomes PostgreSQL interval text', () => {
  const micros = 3n * 86_400_000_000n + 4n * 3_600_000_000n + 5n * 60_000_000n + 6_000_000n + 7n;
  assert.equal(microDurationText(micros), '3 days 04:05:06.000007');
  assert.equal(microDurationText(0n), '00:00:00');
  assert.equal(microDurationText(86_400_000_000n), '1 day');
  assert.equal(microDurationText(-(86_400_000_000n + 3_600_000_000n)), '-1 day -01:00:00');
  assert.equal(microDurationText(-1n), '-00:00:00.000001');
});

test('Bits: little-endian bytes to a bit string of the column width; varbit without leading zeros', () => {
  assert.equal(bitsText(Buffer.from([0x16]), 5), '10110');
  assert.equal(bitsText(Buffer.from([0x01, 0x02]), 10), '1000000001');
  assert.equal(bitsText(Buffer.from([0x00]), 3), '000');
  assert.equal(bitsText(Buffer.from([0x05]), undefined), '101');
  assert.equal(bitsText(Buffer.from([0x00, 0x01]), undefined), '100000000');
  assert.equal(bitsText(Buffer.from([0x00]), undefined), '0');
  assert.equal(bitsText(Buffer.alloc(0), undefined), '');
});

test('bytes become lower-case hex without \\x, base64 from JSON included', () => {
  assert.equal(bytesText(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])), 'deadbeef00');
  assert.equal(bytesText(Buffer.alloc(0)), '');
  const bytes = compileCellConverter(schema({ type: 'bytes' }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(bytes(Buffer.from([1, 2]).toString('base64')), '0102');
});

test('Geometry to hex EWKB with the SRID embedded; Point to (x,y)', () => {
  const point12 = Buffer.from('0101000000000000000000f03f0000000000000040', 'hex');
  assert.equal(geometryText({ wkb: point12, srid: 4326 }), '0101000020e6100000000000000000f03f0000000000000040');
  assert.equal(geometryText({ wkb: point12, srid: null }), '0101000000000000000000f03f0000000000000040');
  const ewkb = Buffer.from('0101000020e6100000000000000000f03f0000000000000040', 'hex');
  assert.equal(geometryText({ wkb: ewkb, srid: 4326 }), ewkb.toString('hex'), 'already EWKB: unchanged');
  const bigEndian = Buffer.from('00000000013ff00000000000004000000000000000', 'hex');
  assert.equal(geometryText({ wkb: bigEndian, srid: 4326 }), '0020000001000010e63ff00000000000004000000000000000');
  assert.equal(pointText({ x: 1.5, y: -2 }), '(1.5,-2)');
  const geometry = compileCellConverter(
    schema({ type: 'struct', name: 'io.debezium.data.geometry.Geometry', fields: [] }),
    DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER,
  );
  assert.equal(geometry({ wkb: point12.toString('base64'), srid: new LosslessNumber('4326') }), '0101000020e6100000000000000000f03f0000000000000040');
});

test('arrays become JSON arrays: numbers unquoted, strings escaped, nulls, empty', () => {
  const ints = compileCellConverter(schema({ type: 'array', items: schema({ type: 'int32' }) }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(ints([1, null, -3]), '[1,null,-3]');
  assert.equal(ints([]), '[]');
  const texts = compileCellConverter(schema({ type: 'array', items: schema({ type: 'string' }) }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(texts(['a', 'b,c', null, '', 'say "hi"\n', 'ünï😀']), '["a","b,c",null,"","say \\"hi\\"\\n","ünï😀"]');
  const decimals = compileCellConverter(
    schema({ type: 'array', items: schema({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } }) }),
    DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER,
  );
  assert.equal(decimals([twosComplement(-5n), null]), '[-0.05,null]');
  const doubles = compileCellConverter(schema({ type: 'array', items: schema({ type: 'float64' }) }), DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER);
  assert.equal(doubles([1.5, NaN, -Infinity]), '[1.5,"NaN","-Infinity"]');
  const dates = compileCellConverter(schema({ type: 'array', items: schema({ type: 'int32', name: 'io.debezium.time.Date' }) }), '');
  assert.equal(dates([0]), '["1970-01-01"]');
});

test('unchanged TOAST placeholders become UNCHANGED for strings, bytes, text arrays and int arrays', () => {
  const placeholder = DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER;
  const text = compileCellConverter(schema({ type: 'string' }), placeholder);
  assert.equal(text(placeholder), UNCHANGED);
  assert.equal(text('__debezium_unavailable_valu'), '__debezium_unavailable_valu');
  const json = compileCellConverter(schema({ type: 'string', name: 'io.debezium.data.Json' }), placeholder);
  assert.equal(json(placeholder), UNCHANGED);
  const bytes = compileCellConverter(schema({ type: 'bytes' }), placeholder);
  assert.equal(bytes(Buffer.from(placeholder)), UNCHANGED);
  assert.equal(bytes(Buffer.from(placeholder).toString('base64')), UNCHANGED, 'JSON sends the bytes as base64');
  assert.equal(bytes(Buffer.from('x')), '78');
  const texts = compileCellConverter(schema({ type: 'array', items: schema({ type: 'string' }) }), placeholder);
  assert.equal(texts([placeholder]), UNCHANGED);
  assert.equal(texts([placeholder, 'x']), `["${placeholder}","x"]`);
  const ints = compileCellConverter(schema({ type: 'array', items: schema({ type: 'int32' }) }), placeholder);
  assert.equal(ints([...Buffer.from(placeholder)]), UNCHANGED);
  const bigints = compileCellConverter(schema({ type: 'array', items: schema({ type: 'int64' }) }), placeholder);
  assert.equal(bigints([...Buffer.from(placeholder)].map(BigInt)), UNCHANGED);
  const custom = compileCellConverter(schema({ type: 'string' }), '<toast>');
  assert.equal(custom('<toast>'), UNCHANGED);
  assert.equal(custom(placeholder), placeholder);
});

test("infinity and -infinity: Debezium 3.6's encodings of them in every date and timestamp type decode to PostgreSQL's words", () => {
  // Date: -5877611-06-21 (+infinity) and -5877611-06-22 (-infinity), as Debezium 3.6.3 sends them.
  assert.equal(dateText(-2_147_472_692), 'infinity');
  assert.equal(dateText(-2_147_472_691), '-infinity');
  assert.equal(dateText(-2_147_472_690), '5877612-06-23 BC', 'the day after is an ordinary (out-of-range) date');
  // MicroTimestamp (timestamp(4..6)), Timestamp (timestamp(0..3), ms) and NanoTimestamp.
  assert.equal(microTimestampText(9_223_372_036_825_200_000n), 'infinity');
  assert.equal(microTimestampText(-9_223_372_036_832_400_000n), '-infinity');
  assert.equal(microTimestampText(9_223_372_036_825_199_999n), '294247-01-10 04:00:25.199999', 'one µs before is an ordinary timestamp');
  assert.equal(timestampMillisText(9_223_372_036_825_200n), 'infinity');
  assert.equal(timestampMillisText(-9_223_372_036_832_400n), '-infinity');
  assert.equal(nanoTimestampText(9_223_372_036_854_775_807n), 'infinity');
  assert.equal(nanoTimestampText(-9_223_372_036_854_775_808n), '-infinity');
  // ZonedTimestamp: the words themselves.
  assert.equal(zonedTimestampText('infinity'), 'infinity');
  assert.equal(zonedTimestampText('-infinity'), '-infinity');
  const date = compileCellConverter(schema({ type: 'int32', name: 'io.debezium.time.Date' }), '');
  assert.equal(date(-2_147_472_692), 'infinity');
  const micro = compileCellConverter(schema({ type: 'int64', name: 'io.debezium.time.MicroTimestamp' }), '');
  assert.equal(micro(-9_223_372_036_832_400_000n), '-infinity');
  assert.equal(micro(new LosslessNumber('9223372036825200000')), 'infinity', 'from the JSON converter too');
});

test('numerics under decimal.handling.mode=string: exact text, NaN and ±Infinity in PostgreSQL spelling, numeric arrays as JSON numbers', () => {
  const numeric = compileCellConverter(schema({ type: 'string', parameters: { '__debezium.source.column.type': 'NUMERIC' } }), '');
  assert.equal(numeric('123456789012345678901234567890123456789012.123456789012345'), '123456789012345678901234567890123456789012.123456789012345');
  assert.equal(numeric('-0.000000000001'), '-0.000000000001');
  assert.equal(numeric('NAN'), 'NaN');
  assert.equal(numeric('POSITIVE_INFINITY'), 'Infinity');
  assert.equal(numeric('NEGATIVE_INFINITY'), '-Infinity');
  const money = compileCellConverter(schema({ type: 'string', parameters: { '__debezium.source.column.type': 'MONEY' } }), '');
  assert.equal(money('-1234.56'), '-1234.56');
  const text = compileCellConverter(schema({ type: 'string', parameters: { '__debezium.source.column.type': 'TEXT' } }), '');
  assert.equal(text('NAN'), 'NAN', 'a text column keeps the very word');
  const numerics = compileCellConverter(
    schema({ type: 'array', items: schema({ type: 'string' }), parameters: { '__debezium.source.column.type': '_NUMERIC' } }),
    '',
  );
  assert.equal(numerics(['1.50', null, 'NAN', '-2', 'POSITIVE_INFINITY']), '[1.50,null,"NaN",-2,"Infinity"]');
  const texts = compileCellConverter(
    schema({ type: 'array', items: schema({ type: 'string' }), parameters: { '__debezium.source.column.type': '_TEXT' } }),
    '',
  );
  assert.equal(texts(['1.50']), '["1.50"]');
});

test("varbit(n) is not padded to n: an empty varbit stays empty and B'1' stays 1, bit(n) keeps its width", () => {
  const bits = (type: string, length: number) =>
    compileCellConverter(
      schema({ type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: String(length), '__debezium.source.column.type': type } }),
      DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER,
    );
  assert.equal(bits('VARBIT', 16)(Buffer.alloc(0)), '');
  assert.equal(bits('VARBIT', 5)(Buffer.from([0x01])), '1');
  assert.equal(bits('VARBIT', 5)(Buffer.from([0x05])), '101');
  assert.equal(bits('BIT', 5)(Buffer.alloc(0)), '00000');
  assert.equal(bits('BIT', 3)(Buffer.from([0x02])), '010');
  // A long varbit: 601 bits, the first one set (Debezium's Bits cannot carry leading zeros of a varbit).
  const long = `1${'01'.repeat(300)}`;
  const bytes = Buffer.alloc(76);
  for (let i = 0; i < long.length; i++) if (long[long.length - 1 - i] === '1') bytes[i >> 3]! |= 1 << (i & 7);
  assert.equal(bits('VARBIT', 2_147_483_647)(bytes), long);
});
