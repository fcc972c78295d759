/**
 * Exact text forms of Kafka Connect / Debezium values, one small function per type. The text is what
 * goes into the batch CSV; both Redshift COPY (DATEFORMAT/TIMEFORMAT 'auto') and PostgreSQL COPY read it.
 * Inputs are already decoded from the wire (numbers, BigInts, Buffers, strings); no float arithmetic
 * ever touches decimals or sub-second time.
 */

const MICROS_PER_DAY = 86_400_000_000n;

/** int8/16/32/64: the decimal digits. */
export function integerText(value: number | bigint): string {
  return String(value);
}

/** float64: shortest string that reads back as the same double. */
export function float64Text(value: number): string {
  // PostgreSQL keeps the sign of zero; String(-0) does not.
  return value === 0 && Object.is(value, -0) ? '-0' : String(value);
}

/** float32: shortest string that reads back as the same single-precision float (1.1, not 1.100000023841858). */
export function float32Text(value: number): string {
  // Integers below 2^24 are exact in both widths, so the double's text is already the shortest.
  if (!Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) < 16_777_216)) return float64Text(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return String(candidate);
  }
  return String(Number(value.toPrecision(9)));
}

export function booleanText(value: boolean): string {
  return value ? 'true' : 'false';
}

/** bit(1), which Debezium sends as a boolean: PostgreSQL's `1` / `0`. */
export function bitBooleanText(value: boolean): string {
  return value ? '1' : '0';
}

/** The unscaled value of a Connect Decimal: two's-complement big-endian bytes. */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  const length = bytes.length;
  if (length === 0) return 0n;
  if (length <= 6) {
    let n = 0;
    for (let i = 0; i < length; i++) n = n * 256 + bytes[i]!;
    if (bytes[0]! & 0x80) n -= 2 ** (8 * length);
    return BigInt(n);
  }
  let n = 0n;
  for (let i = 0; i < length; i++) n = (n << 8n) | BigInt(bytes[i]!);
  if (bytes[0]! & 0x80) n -= 1n << BigInt(8 * length);
  return n;
}

/** unscaled × 10^-scale written out exactly (scale may be 0 or negative). */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) {
    if (scale < 0 && digits !== '0') digits += '0'.repeat(-scale);
  } else {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** `org.apache.kafka.connect.data.Decimal`: bytes + the schema's `scale` parameter. */
export function decimalBytesText(bytes: Uint8Array, scale: number): string {
  return decimalText(unscaledFromBytes(bytes), scale);
}

/** `io.debezium.data.VariableScaleDecimal`: struct {scale, value}. */
export function variableScaleDecimalText(value: { scale: number; value: Uint8Array }): string {
  return decimalText(unscaledFromBytes(value.value), value.scale);
}

/**
 * A numeric under `decimal.handling.mode=string`: BigDecimal.toPlainString(), exact; PostgreSQL's special
 * values come as Debezium's enum names (SpecialValueDecimal: `NAN`, `POSITIVE_INFINITY`,
 * `NEGATIVE_INFINITY`) and become PostgreSQL's `NaN`, `Infinity`, `-Infinity`.
 */
export function decimalStringText(text: string): string {
  switch (text) {
    case 'NAN':
      return 'NaN';
    case 'POSITIVE_INFINITY':
      return 'Infinity';
    case 'NEGATIVE_INFINITY':
      return '-Infinity';
    default:
      return text;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : String(n).padStart(4, '0');
}

/** `.ffffff` with trailing zeros dropped, as PostgreSQL prints it; empty for whole seconds. */
function fractionText(micros: number): string {
  if (micros === 0) return '';
  let text = String(micros).padStart(6, '0');
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  text = text.slice(0, end);
  return `.${text}`;
}

interface CivilDate {
  /** Astronomical year: 0 is 1 BC, -1 is 2 BC. */
  year: number;
  month: number;
  day: number;
}

/** Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** `YYYY-MM-DD`, and the ` BC` suffix to append for years before 1 AD. */
function civilText(days: number): { date: string; era: string } {
  const { year, month, day } = civilFromDays(days);
  const bc = year <= 0;
  return { date: `${pad4(bc ? 1 - year : year)}-${pad2(month)}-${pad2(day)}`, era: bc ? ' BC' : '' };
}

/**
 * How Debezium 3.6 encodes PostgreSQL's `infinity` and `-infinity` (PostgresValueConverter's
 * POSITIVE_/NEGATIVE_INFINITY_* constants, read from the 3.6.3 connector's bytecode): a date as the day of
 * `-5877611-06-21` (+infinity) and `-5877611-06-22` (-infinity), both far outside PostgreSQL's date range;
 * a timestamp as 9223372036825200000 / -9223372036832400000 µs since the epoch (Timestamp: the same in
 * ms; NanoTimestamp: Long.MAX_VALUE / Long.MIN_VALUE). timestamptz arrives as the strings `infinity` /
 * `-infinity`. Decoded back to PostgreSQL's own words. A Debezium upgrade that changes these constants
 * (debezium/dbz#2524 moves µs to Long.MAX/MIN) must be followed here: test/e2e/fidelity.test.ts fails.
 */
export const DEBEZIUM_INFINITY = {
  dateDays: -2_147_472_692,
  negativeDateDays: -2_147_472_691,
  micros: 9_223_372_036_825_200_000n,
  negativeMicros: -9_223_372_036_832_400_000n,
  longMax: 9_223_372_036_854_775_807n,
  longMin: -9_223_372_036_854_775_808n,
} as const;

/** `io.debezium.time.Date`: days since the epoch → `YYYY-MM-DD[ BC]`, or `infinity` / `-infinity`. */
export function dateText(days: number): string {
  if (days === DEBEZIUM_INFINITY.dateDays) return 'infinity';
  if (days === DEBEZIUM_INFINITY.negativeDateDays) return '-infinity';
  const { date, era } = civilText(days);
  return date + era;
}

/** Time of day from microseconds since midnight (86 400 000 000 = `24:00:00` is allowed). */
function clockText(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}${fractionText(micros % 1_000_000)}`;
}

/** `io.debezium.time.MicroTime` (µs since midnight) → `HH:MM:SS[.ffffff]`. */
export function microTimeText(micros: number | bigint): string {
  return clockText(Number(micros));
}

/** `io.debezium.time.Time` (ms since midnight). */
export function timeMillisText(millis: number | bigint): string {
  return clockText(Number(millis) * 1000);
}

/** `io.debezium.time.NanoTime` (ns since midnight); PostgreSQL has µs, so nothing is lost. */
export function nanoTimeText(nanos: bigint): string {
  return clockText(Number(nanos / 1000n));
}

/** `infinity` / `-infinity` for Debezium's encodings of them in µs; undefined for an ordinary timestamp. */
function infiniteMicros(micros: bigint): string | undefined {
  if (micros === DEBEZIUM_INFINITY.micros) return 'infinity';
  if (micros === DEBEZIUM_INFINITY.negativeMicros) return '-infinity';
  return undefined;
}

/** `io.debezium.time.MicroTimestamp` (µs since the epoch, no zone) → `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]`. */
export function microTimestampText(micros: bigint): string {
  if (micros >= DEBEZIUM_INFINITY.micros || micros <= DEBEZIUM_INFINITY.negativeMicros) {
    const infinite = infiniteMicros(micros);
    if (infinite !== undefined) return infinite;
  }
  return finiteMicroTimestampText(micros);
}

function finiteMicroTimestampText(micros: bigint): string {
  const asNumber = Number(micros);
  if (Number.isSafeInteger(asNumber)) {
    // Plain number arithmetic for the years ±285 around 1970, BigInt beyond.
    const days = Math.floor(asNumber / 86_400_000_000);
    const { date, era } = civilText(days);
    return `${date} ${clockText(asNumber - days * 86_400_000_000)}${era}`;
  }
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const { date, era } = civilText(Number(days));
  return `${date} ${clockText(Number(rest))}${era}`;
}

/** `io.debezium.time.Timestamp` (ms since the epoch). */
export function timestampMillisText(millis: bigint | number): string {
  return microTimestampText(BigInt(millis) * 1000n);
}

/** `io.debezium.time.NanoTimestamp` (ns since the epoch); floors to µs, PostgreSQL's precision. */
export function nanoTimestampText(nanos: bigint): string {
  if (nanos === DEBEZIUM_INFINITY.longMax) return 'infinity';
  if (nanos === DEBEZIUM_INFINITY.longMin) return '-infinity';
  const micros = nanos / 1000n;
  return microTimestampText(nanos < 0n && micros * 1000n !== nanos ? micros - 1n : micros);
}

/** Drops trailing zeros of an ISO fraction (`07.120000` → `07.12`, `07.000` → `07`). */
function trimIsoFraction(time: string): string {
  const dot = time.indexOf('.');
  if (dot < 0) return time;
  let end = time.length;
  while (end > dot && time.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (end === dot + 1) end = dot;
  return time.slice(0, end);
}

/** The ISO offset as PostgreSQL prints it: `Z` → `+00`, `+05:30` stays, `+02:00` → `+02`. */
function offsetText(offset: string): string {
  if (offset === 'Z') return '+00';
  return offset.endsWith(':00') ? offset.slice(0, -3) : offset;
}

/** Splits `…07.123Z` / `…07+02:00` into the time and its offset. */
function splitOffset(text: string): { time: string; offset: string } {
  if (text.endsWith('Z')) return { time: text.slice(0, -1), offset: 'Z' };
  for (let i = text.length - 1; i > 0; i--) {
    const c = text[i];
    if (c === '+' || c === '-') return { time: text.slice(0, i), offset: text.slice(i) };
  }
  return { time: text, offset: '' };
}

/**
 * `io.debezium.time.ZonedTimestamp` (ISO 8601 in UTC, e.g. `2021-03-04T05:06:07.123456Z`, Java's
 * `+10000-…` and `-0001-…` for years beyond 9999 / BC) → `2021-03-04 05:06:07.123456+00[ BC]`.
 */
export function zonedTimestampText(iso: string): string {
  // `infinity` / `-infinity` come as those words, which PostgreSQL reads as they are.
  const t = iso.indexOf('T');
  if (t < 0) return iso;
  let datePart = iso.slice(0, t);
  const { time, offset } = splitOffset(iso.slice(t + 1));
  let era = '';
  const sign = datePart[0];
  if (sign === '+') {
    datePart = datePart.slice(1);
  } else if (sign === '-') {
    // Astronomical year -n is (n + 1) BC.
    const yearEnd = datePart.indexOf('-', 1);
    datePart = `${pad4(Number(datePart.slice(1, yearEnd)) + 1)}${datePart.slice(yearEnd)}`;
    era = ' BC';
  } else if (datePart.startsWith('0000-')) {
    datePart = `0001${datePart.slice(4)}`;
    era = ' BC';
  }
  return `${datePart} ${trimIsoFraction(time)}${offsetText(offset)}${era}`;
}

/** `io.debezium.time.ZonedTime` (`05:06:07.123Z`) → `05:06:07.123+00`. */
export function zonedTimeText(iso: string): string {
  const { time, offset } = splitOffset(iso);
  return trimIsoFraction(time) + offsetText(offset);
}

/**
 * `io.debezium.time.Interval` (interval.handling.mode=string): ISO 8601 as Debezium writes it, every
 * component present (`P0Y0M-3DT0H0M-1.5S`), → PostgreSQL's own iso_8601 text (`P-3DT-1.5S`, `PT0S`).
 */
export function isoIntervalText(iso: string): string {
  if (iso[0] !== 'P') return iso;
  let date = 'P';
  let time = '';
  let inTime = false;
  let number = '';
  for (let i = 1; i < iso.length; i++) {
    const c = iso[i]!;
    if (c === 'T') {
      inTime = true;
    } else if ((c >= '0' && c <= '9') || c === '-' || c === '+' || c === '.' || c === ',') {
      number += c;
    } else {
      // A designator (Y, M, D, H, M, S) ends a component; zero ones are left out, as PostgreSQL does.
      if (Number(number) !== 0) {
        if (inTime) time += number + c;
        else date += number + c;
      }
      number = '';
    }
  }
  if (time !== '') return `${date}T${time}`;
  return date === 'P' ? 'PT0S' : date;
}

/** `io.debezium.time.MicroDuration` (µs) → PostgreSQL interval text such as `3 days 04:05:06.000007`. */
export function microDurationText(micros: bigint): string {
  const negative = micros < 0n;
  const magnitude = negative ? -micros : micros;
  const days = magnitude / MICROS_PER_DAY;
  const rest = Number(magnitude % MICROS_PER_DAY);
  const sign = negative ? '-' : '';
  const dayPart = days === 0n ? '' : `${sign}${days} ${days === 1n ? 'day' : 'days'}`;
  if (rest === 0 && dayPart !== '') return dayPart;
  const clock = `${sign}${clockText(rest)}`;
  return dayPart === '' ? clock : `${dayPart} ${clock}`;
}

/** bytea: lower-case hex without `\x` (Redshift VARBYTE reads hex). */
export function bytesText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * `io.debezium.data.Bits`: little-endian bytes of the bit string read as a binary number, most
 * significant bit first. `length` pads to bit(n)'s width; without it (varbit) leading zeros are gone
 * from the event, so the shortest form is written.
 */
export function bitsText(bytes: Uint8Array, length: number | undefined): string {
  let width = length;
  if (width === undefined) {
    width = 0;
    for (let i = bytes.length - 1; i >= 0; i--) {
      const byte = bytes[i]!;
      if (byte !== 0) {
        width = i * 8 + (32 - Math.clz32(byte));
        break;
      }
    }
    if (width === 0) return bytes.length === 0 ? '' : '0';
  }
  let text = '';
  for (let bit = width - 1; bit >= 0; bit--) {
    const byte = bytes[bit >> 3] ?? 0;
    text += (byte >> (bit & 7)) & 1 ? '1' : '0';
  }
  return text;
}

const EWKB_SRID_FLAG = 0x20000000;

/**
 * `io.debezium.data.geometry.Geometry` / `Geography` (struct {wkb, srid}) → hex EWKB, the form PostGIS
 * and Redshift's GEOMETRY read. The SRID is embedded unless the bytes already carry one.
 */
export function geometryText(value: { wkb: Uint8Array; srid?: number | null }): string {
  const wkb = Buffer.from(value.wkb.buffer, value.wkb.byteOffset, value.wkb.byteLength);
  if (value.srid == null || wkb.length < 5) return wkb.toString('hex');
  const littleEndian = wkb[0] === 1;
  const geometryType = littleEndian ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  if (geometryType & EWKB_SRID_FLAG) return wkb.toString('hex');
  const ewkb = Buffer.alloc(wkb.length + 4);
  ewkb[0] = wkb[0]!;
  if (littleEndian) {
    ewkb.writeUInt32LE((geometryType | EWKB_SRID_FLAG) >>> 0, 1);
    ewkb.writeUInt32LE(value.srid >>> 0, 5);
  } else {
    ewkb.writeUInt32BE((geometryType | EWKB_SRID_FLAG) >>> 0, 1);
    ewkb.writeUInt32BE(value.srid >>> 0, 5);
  }
  wkb.copy(ewkb, 9, 5);
  return ewkb.toString('hex');
}

/** `io.debezium.data.geometry.Point` (struct {x, y, …}) → PostgreSQL's point text `(x,y)`. */
export function pointText(value: { x: number; y: number }): string {
  return `(${float64Text(value.x)},${float64Text(value.y)})`;
}
