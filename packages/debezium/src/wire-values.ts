import { inspect } from 'node:util';
import { isLosslessNumber } from 'lossless-json';

/**
 * Reading primitive values the same way from both wire formats: avsc gives numbers, BigInts (longs)
 * and Buffers; the JSON envelope gives LosslessNumbers (exact digits), base64 strings for bytes, and
 * `"NaN"` / `"Infinity"` strings for non-finite floats.
 */

export class WireValueError extends Error {}

export function asNumber(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return value;
    case 'bigint':
      return Number(value);
    case 'string': {
      // The JsonConverter writes non-finite floats as "NaN", "Infinity", "-Infinity".
      const n = Number(value);
      if (!Number.isNaN(n) || value === 'NaN') return n;
      break;
    }
    default:
      if (isLosslessNumber(value)) return Number(value.value);
  }
  throw new WireValueError(`expected a number, got ${describe(value)}`);
}

export function asBigInt(value: unknown): bigint {
  switch (typeof value) {
    case 'bigint':
      return value;
    case 'number':
      if (Number.isInteger(value)) return BigInt(value);
      break;
    case 'string':
      return BigInt(value);
    default:
      if (isLosslessNumber(value)) return BigInt(value.value);
  }
  throw new WireValueError(`expected an integer, got ${describe(value)}`);
}

/** Integers as their decimal digits, without a detour through a double. */
export function integerDigits(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return String(value);
    default:
      if (isLosslessNumber(value)) return BigInt(value.value).toString();
      throw new WireValueError(`expected an integer, got ${describe(value)}`);
  }
}

export function asBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new WireValueError(`expected bytes, got ${describe(value)}`);
}

export function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new WireValueError(`expected a string, got ${describe(value)}`);
}

export function asBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new WireValueError(`expected a boolean, got ${describe(value)}`);
}

export function asStruct(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new WireValueError(`expected a struct, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `${value.length} bytes`;
  const text = inspect(value, { depth: 1, breakLength: Infinity });
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
