import { parse } from 'lossless-json';

/**
 * A JsonConverter message with `schemas.enable=true`: `{"schema": …, "payload": …}`. The schema's
 * exact text is kept as the cache key for its compiled converter, so that it is parsed once per schema
 * and not per message; the payload is parsed with exact numbers (int64 beyond 2^53, decimals).
 */
export interface JsonEnvelope {
  schemaText: string;
  payload: unknown;
}

export class JsonEnvelopeError extends Error {}

export function parseJsonEnvelope(text: string): JsonEnvelope {
  const members = topLevelMembers(text);
  const schema = members.get('schema');
  const payload = members.get('payload');
  if (schema === undefined || payload === undefined) {
    throw new JsonEnvelopeError('a JSON change event needs "schema" and "payload" (JsonConverter with schemas.enable=true)');
  }
  try {
    return { schemaText: text.slice(schema[0], schema[1]), payload: parse(text.slice(payload[0], payload[1])) };
  } catch (error) {
    throw new JsonEnvelopeError(`payload is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses a schema text taken from parseJsonEnvelope. */
export function parseJsonSchema(schemaText: string): unknown {
  try {
    return JSON.parse(schemaText);
  } catch (error) {
    throw new JsonEnvelopeError(`schema is not valid JSON: ${(error as Error).message}`);
  }
}

enum Char {
  Quote = 34,
  Backslash = 92,
  Comma = 44,
  Colon = 58,
  OpenBrace = 123,
  CloseBrace = 125,
  OpenBracket = 91,
  CloseBracket = 93,
}

/**
 * The [start, end) text range of each member value of the top-level JSON object. Skims strings and
 * nesting only; the values themselves are validated when they are parsed.
 */
function topLevelMembers(text: string): Map<string, [number, number]> {
  const members = new Map<string, [number, number]>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== Char.OpenBrace) throw new JsonEnvelopeError('not a JSON object');
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === Char.CloseBrace) return members;
  for (;;) {
    if (text.charCodeAt(i) !== Char.Quote) throw new JsonEnvelopeError(`expected a member name at ${i}`);
    const nameEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, nameEnd)) as string;
    i = skipSpace(text, nameEnd);
    if (text.charCodeAt(i) !== Char.Colon) throw new JsonEnvelopeError(`expected ':' at ${i}`);
    const start = skipSpace(text, i + 1);
    const end = skipValue(text, start);
    members.set(name, [start, end]);
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === Char.CloseBrace) break;
    if (c !== Char.Comma) throw new JsonEnvelopeError(`expected ',' or '}' at ${i}`);
    i = skipSpace(text, i + 1);
  }
  if (skipSpace(text, i + 1) !== text.length) throw new JsonEnvelopeError('text after the JSON object');
  return members;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** `i` is at an opening quote; returns the index after the closing one. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === Char.Backslash) j++;
    else if (c === Char.Quote) return j + 1;
  }
  throw new JsonEnvelopeError('unterminated string');
}

function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === Char.Quote) return skipString(text, i);
  if (first !== Char.OpenBrace && first !== Char.OpenBracket) {
    // number, true, false, null
    let j = i;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === Char.Comma || c === Char.CloseBrace || c === Char.CloseBracket || c === 32 || c === 9 || c === 10 || c === 13) break;
    }
    if (j === i) throw new JsonEnvelopeError(`expected a value at ${i}`);
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === Char.Quote) j = skipString(text, j) - 1;
    else if (c === Char.OpenBrace || c === Char.OpenBracket) depth++;
    else if (c === Char.CloseBrace || c === Char.CloseBracket) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new JsonEnvelopeError('unterminated object or array');
}
