/**
 * Redshift SQL → PostgreSQL, for what PostgreSQL lacks. Each translation is a token-level rewrite that
 * never looks inside string literals, quoted identifiers or comments.
 */
import { closingParen, identifierValue, isPunct, isWord, nextSignificant, render, stringValue, type Token, tokenize } from './sql-lexer.js';

/** Where the emulated `pg_last_copy_count()` reads from: a session setting the COPY emulation writes. */
export const LAST_COPY_COUNT_SETTING = 'pgshift_redshift.last_copy_count';

export class RedshiftSqlError extends Error {}

const raw = (text: string): Token => ({ kind: 'punct', text });

/** A type the emulator creates on demand (a PostgreSQL domain in its own schema) before running a statement. */
export interface EmulatedType {
  /** Schema-qualified name. */
  name: string;
  /** `CREATE DOMAIN <name> AS …` body after the name. */
  definition: string;
}

/** Redshift's default VARBYTE length. */
const DEFAULT_VARBYTE_LENGTH = 64000;

/**
 * SUPER → jsonb; VARBYTE(n) → a bytea domain `varbyte_<n>` that keeps (and enforces) the declared length
 * so that the catalog can report it; GEOMETRY → a text domain `geometry`; VARCHAR(MAX) → varchar(65535).
 * The domains a statement needs are added to `required`.
 */
export function translateTypes(tokens: Token[], systemSchema = 'redshift_system', required: EmulatedType[] = []): Token[] {
  const out: Token[] = [];
  const need = (type: EmulatedType) => {
    if (!required.some((t) => t.name === type.name)) required.push(type);
    return raw(type.name);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const previous = out.filter((t) => t.kind !== 'space' && t.kind !== 'comment').at(-1);
    if (isPunct(previous, '.')) {
      out.push(token);
    } else if (isWord(token, 'super')) out.push(raw('jsonb'));
    else if (isWord(token, 'geometry')) out.push(need({ name: `${systemSchema}.geometry`, definition: 'text' }));
    else if (isWord(token, 'varbyte', 'varbinary')) {
      let length = DEFAULT_VARBYTE_LENGTH;
      const open = nextSignificant(tokens, i + 1);
      if (open !== -1 && isPunct(tokens[open], '(')) {
        const close = closingParen(tokens, open);
        length = Number(render(tokens.slice(open + 1, close)).trim());
        if (!Number.isInteger(length) || length < 1) throw new RedshiftSqlError(`invalid VARBYTE length: ${render(tokens.slice(open + 1, close))}`);
        i = close;
      }
      out.push(need({ name: `${systemSchema}.varbyte_${length}`, definition: `bytea CHECK (octet_length(VALUE) <= ${length})` }));
    } else if (isWord(token, 'varchar', 'char', 'character', 'nvarchar')) {
      const open = nextSignificant(tokens, i + 1);
      const max = open === -1 ? -1 : nextSignificant(tokens, open + 1);
      const close = max === -1 ? -1 : nextSignificant(tokens, max + 1);
      if (isPunct(tokens[open], '(') && isWord(tokens[max], 'max') && isPunct(tokens[close], ')')) {
        out.push(raw(`${token.text}(65535)`));
        i = close;
      } else out.push(token);
    } else out.push(token);
  }
  return out;
}

/** Redshift functions PostgreSQL lacks, rewritten to equivalent expressions. */
export function translateFunctions(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const open = token.kind === 'word' ? nextSignificant(tokens, i + 1) : -1;
    const call = open !== -1 && isPunct(tokens[open], '(') && !isPunct(out.at(-1), '.');
    if (call && isWord(token, 'json_parse', 'from_hex', 'to_varbyte', 'from_varbyte', 'strtol', 'getdate', 'pg_last_copy_count')) {
      const close = closingParen(tokens, open);
      if (close === -1) throw new RedshiftSqlError(`syntax error at end of input`);
      const args = splitArguments(translateFunctions(tokens.slice(open + 1, close)));
      out.push(raw(rewriteCall(token.text.toLowerCase(), args)));
      i = close;
    } else if (isWord(token, 'sysdate') && !call) {
      out.push(raw('transaction_timestamp()::timestamp'));
    } else out.push(token);
  }
  return out;
}

function rewriteCall(name: string, args: string[]): string {
  switch (name) {
    case 'json_parse':
      return `(${args[0]})::jsonb`;
    case 'from_hex':
      return `decode(${args[0]}, 'hex')`;
    case 'to_varbyte': {
      const format = (args[1] ?? '').trim().toLowerCase();
      if (format === "'hex'") return `decode(${args[0]}, 'hex')`;
      if (format === "'base64'") return `decode(${args[0]}, 'base64')`;
      if (format === "'utf8'" || format === "'utf-8'") return `convert_to(${args[0]}, 'UTF8')`;
      if (format === "'binary'") throw new RedshiftSqlError(`TO_VARBYTE format 'binary' is not supported by this emulator`);
      return `decode(${args[0]}, 'hex')`;
    }
    case 'from_varbyte': {
      const format = (args[1] ?? '').trim().toLowerCase();
      if (format === "'hex'") return `encode(${args[0]}, 'hex')`;
      if (format === "'base64'") return `encode(${args[0]}, 'base64')`;
      if (format === "'utf8'" || format === "'utf-8'") return `convert_from(${args[0]}, 'UTF8')`;
      throw new RedshiftSqlError(`FROM_VARBYTE format ${args[1]} is not supported by this emulator`);
    }
    case 'strtol': {
      // STRTOL(text, 16): the hexadecimal digits (at most 15, as Redshift's BIGINT result allows) as a number.
      if ((args[1] ?? '').trim() !== '16') throw new RedshiftSqlError(`STRTOL base ${args[1]} is not supported by this emulator`);
      return `('x' || lpad(${args[0]}, 16, '0'))::bit(64)::bigint`;
    }
    case 'getdate':
      // Redshift's GETDATE() is the statement's start time in UTC, to the second, as a TIMESTAMP.
      return `date_trunc('second', statement_timestamp() at time zone 'UTC')`;
    case 'pg_last_copy_count':
      return `coalesce(nullif(current_setting('${LAST_COPY_COUNT_SETTING}', true), '')::bigint, -1)`;
    default:
      throw new Error(`no rewrite for ${name}`);
  }
}

function splitArguments(tokens: Token[]): string[] {
  const args: string[] = [];
  let depth = 0;
  let current: Token[] = [];
  for (const token of tokens) {
    if (isPunct(token, '(')) depth++;
    if (isPunct(token, ')')) depth--;
    if (depth === 0 && isPunct(token, ',')) {
      args.push(render(current));
      current = [];
    } else current.push(token);
  }
  if (current.length > 0 || args.length > 0) args.push(render(current));
  return args;
}

/**
 * Drops Redshift's physical-design clauses: DISTSTYLE x, DISTKEY[(c)], [COMPOUND|INTERLEAVED] SORTKEY[(…)|AUTO],
 * ENCODE x (never the encode() function), BACKUP YES|NO.
 */
export function stripTableAttributes(tokens: Token[], stripped: string[] = []): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = nextSignificant(tokens, i + 1);
    const from = i;
    if (isWord(token, 'diststyle', 'backup') && next !== -1 && tokens[next]!.kind === 'word') {
      i = next;
    } else if (isWord(token, 'encode') && next !== -1 && tokens[next]!.kind === 'word') {
      i = next;
    } else if (isWord(token, 'compound', 'interleaved') && isWord(tokens[next], 'sortkey')) {
    } else if (isWord(token, 'distkey', 'sortkey')) {
      if (isPunct(tokens[next], '(')) i = closingParen(tokens, next);
      else if (isWord(tokens[next], 'auto')) i = next;
    } else {
      out.push(token);
      continue;
    }
    stripped.push(render(tokens.slice(from, i + 1)));
  }
  return out;
}

/**
 * The physical-design clauses of a CREATE TABLE (what stripTableAttributes drops), recorded so tests
 * can read what the loader asked for: `{ table, design }`, the table as written and the clauses in
 * order (`"note" ENCODE ZSTD` keeps its column). Null for other statements or a table without any.
 */
export function tableDesignOf(sql: string): { table: string; design: string } | null {
  const tokens = tokenize(sql);
  const significant = tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  if (!isWord(significant[0], 'create')) return null;
  let i = 1;
  while (isWord(significant[i], 'temp', 'temporary', 'local')) i++;
  if (!isWord(significant[i], 'table')) return null;
  i++;
  if (isWord(significant[i], 'if')) i += 3;
  const name: Token[] = [significant[i]!];
  while (isPunct(significant[i + 1], '.')) {
    name.push(significant[i + 1]!, significant[i + 2]!);
    i += 2;
  }
  const clauses: string[] = [];
  for (let j = 0; j < significant.length; j++) {
    const token = significant[j]!;
    if (isWord(token, 'encode') && significant[j + 1]?.kind === 'word' && !isPunct(significant[j + 1], '(')) {
      const column = significant
        .slice(0, j)
        .reverse()
        .find((t, k, before) => (t.kind === 'qident' || t.kind === 'word') && (isPunct(before[k + 1], ',') || isPunct(before[k + 1], '(')));
      clauses.push(`${column ? render([column]) : '?'} ENCODE ${significant[j + 1]!.text.toUpperCase()}`);
    }
  }
  const tableLevel: string[] = [];
  stripTableAttributes(tokens, tableLevel);
  const design = [...clauses, ...tableLevel.filter((c) => !/^encode\b/i.test(c))].join(' ');
  return design === '' ? null : { table: render(name), design };
}

/** Redshift refuses `ALTER TABLE … ALTER COLUMN … TYPE` inside a transaction block; so does the emulator. */
export function isAlterColumnType(tokens: readonly Token[]): boolean {
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.text.toLowerCase());
  const alter = words.indexOf('alter', 2);
  return words[0] === 'alter' && words[1] === 'table' && alter !== -1 && words.indexOf('type', alter) !== -1;
}

/**
 * Redshift's ALTER COLUMN … TYPE changes a VARCHAR's length only: any other target type is refused, as
 * Redshift refuses it (so an adapter relying on it fails here too). Returns the error, or null.
 */
export function alterColumnTypeRefusal(tokens: readonly Token[]): string | null {
  if (!isAlterColumnType(tokens)) return null;
  const words = tokens.filter((t) => t.kind === 'word').map((t) => t.text.toLowerCase());
  const type = words.slice(words.indexOf('type', words.indexOf('alter', 2)) + 1);
  const target = type[0] === 'character' && type[1] === 'varying' ? 'varchar' : type[0];
  if (target === 'varchar' || target === 'nvarchar') return null;
  return `ALTER TABLE ALTER COLUMN TYPE supports only VARCHAR length changes; target data type "${type.join(' ')}" is not supported`;
}

/**
 * Every rewrite of one statement. Standard literals holding a backslash become E'' literals, because
 * Redshift reads backslash escapes in them (`'\001'` is the control character U+0001) and PostgreSQL
 * does not.
 */
export function translateStatement(sql: string, systemSchema = 'redshift_system'): { text: string; types: EmulatedType[] } {
  const types: EmulatedType[] = [];
  const refusal = alterColumnTypeRefusal(tokenize(sql));
  if (refusal !== null) throw new RedshiftSqlError(refusal);
  const tokens = translateFunctions(translateTypes(stripTableAttributes(escapeLiterals(tokenize(sql))), systemSchema, types));
  return { text: render(tokens), types };
}

export function escapeLiterals(tokens: Token[]): Token[] {
  return tokens.map((t) => (t.kind === 'string' && t.text.startsWith("'") && t.text.includes('\\') ? { kind: 'string', text: `E${t.text}` } : t));
}

/**
 * Data API parameters: `:name` placeholders become `$n`; values are strings, typed by PostgreSQL from
 * their context, as Redshift does.
 */
export function bindParameters(sql: string, parameters: readonly { name: string; value: string }[]): { text: string; values: string[] } {
  const byName = new Map(parameters.map((p) => [p.name, p.value]));
  const order: string[] = [];
  const text = tokenize(sql)
    .map((token) => {
      if (token.kind !== 'param') return token.text;
      const name = token.text.slice(1);
      if (!byName.has(name)) throw new RedshiftSqlError(`Parameter "${name}" is not provided`);
      let index = order.indexOf(name);
      if (index === -1) index = order.push(name) - 1;
      return `$${index + 1}`;
    })
    .join('');
  const unused = parameters.filter((p) => !order.includes(p.name));
  if (unused.length > 0 && parameters.length > 0) {
    throw new RedshiftSqlError(`Parameter "${unused[0]!.name}" is not used in the SQL statement`);
  }
  return { text, values: order.map((name) => byName.get(name)!) };
}

/** A Redshift `COPY … FROM 's3://…'` as the emulator understands it. */
export interface RedshiftCopy {
  /** The table name as written (quotes kept), for `to_regclass`. */
  table: string;
  /** Target columns, folded like identifiers; null for every column in table order. */
  columns: string[] | null;
  from: string;
  manifest: boolean;
  gzip: boolean;
  delimiter: string;
  quote: string;
  ignoreHeader: number;
  nullAs: string | null;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
  truncateColumns: boolean;
  acceptInvChars: string | null;
  maxError: number;
}

const IGNORED_WITH_VALUE = new Set(['iam_role', 'credentials', 'access_key_id', 'secret_access_key', 'session_token', 'region', 'encoding']);
const IGNORED_FLAGS = new Set(['compupdate', 'statupdate']);

/** Parses `COPY … FROM 's3://…' …`; null when the statement is not a COPY from S3. */
export function parseCopyFromS3(sql: string): RedshiftCopy | null {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  if (!isWord(tokens[0], 'copy')) return null;
  const fromIndex = tokens.findIndex((t, i) => isWord(t, 'from') && tokens[i + 1]?.kind === 'string');
  if (fromIndex === -1 || !stringValue(tokens[fromIndex + 1]!).startsWith('s3://')) return null;

  let i = 1;
  const tableParts: string[] = [];
  while (i < fromIndex && !isPunct(tokens[i], '(')) tableParts.push(tokens[i++]!.text);
  let columns: string[] | null = null;
  if (isPunct(tokens[i], '(')) {
    const close = closingParen(tokens, i);
    columns = tokens
      .slice(i + 1, close)
      .filter((t) => !isPunct(t, ','))
      .map(identifierValue);
  }
  const copy: RedshiftCopy = {
    table: tableParts.join(''),
    columns,
    from: stringValue(tokens[fromIndex + 1]!),
    manifest: false,
    gzip: false,
    delimiter: ',',
    quote: '"',
    ignoreHeader: 0,
    nullAs: null,
    emptyAsNull: false,
    blanksAsNull: false,
    truncateColumns: false,
    acceptInvChars: null,
    maxError: 0,
  };
  let csv = false;
  i = fromIndex + 2;
  const valueAfter = (kinds: Token['kind'][]): Token => {
    if (isWord(tokens[i], 'as')) i++;
    const token = tokens[i++];
    if (!token || !kinds.includes(token.kind)) throw new RedshiftSqlError(`syntax error at or near "${token?.text ?? 'end of input'}"`);
    return token;
  };
  while (i < tokens.length) {
    const token = tokens[i++]!;
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    if (IGNORED_WITH_VALUE.has(word)) valueAfter(['string', 'word']);
    else if (IGNORED_FLAGS.has(word)) {
      if (isWord(tokens[i], 'on', 'off', 'true', 'false', 'preset')) i++;
    } else if (word === 'manifest') copy.manifest = true;
    else if (word === 'gzip') copy.gzip = true;
    else if (word === 'format') {
      if (isWord(tokens[i], 'as')) i++;
      if (!isWord(tokens[i], 'csv')) throw new RedshiftSqlError(`this emulator loads FORMAT CSV only, not ${tokens[i]?.text}`);
    } else if (word === 'csv') {
      csv = true;
      if (isWord(tokens[i], 'quote')) {
        i++;
        copy.quote = stringValue(valueAfter(['string']));
      }
    } else if (word === 'delimiter') copy.delimiter = stringValue(valueAfter(['string']));
    else if (word === 'ignoreheader') copy.ignoreHeader = Number(valueAfter(['number']).text);
    else if (word === 'maxerror') copy.maxError = Number(valueAfter(['number']).text);
    else if (word === 'null') copy.nullAs = stringValue(valueAfter(['string']));
    else if (word === 'timeformat' || word === 'dateformat') {
      const format = stringValue(valueAfter(['string']));
      if (!/^(auto|YYYY-MM-DD( HH:MI:SS)?|YYYY-MM-DDTHH:MI:SS)$/i.test(format)) {
        throw new RedshiftSqlError(`this emulator accepts ${word.toUpperCase()} 'auto' or ISO formats only, not '${format}'`);
      }
    } else if (word === 'acceptinvchars') {
      copy.acceptInvChars = '?';
      if (isWord(tokens[i], 'as') || tokens[i]?.kind === 'string') copy.acceptInvChars = stringValue(valueAfter(['string']));
    } else if (word === 'truncatecolumns') copy.truncateColumns = true;
    else if (word === 'emptyasnull') copy.emptyAsNull = true;
    else if (word === 'blanksasnull') copy.blanksAsNull = true;
    else if (word === 'bzip2' || word === 'lzop' || word === 'zstd') throw new RedshiftSqlError(`this emulator reads GZIP or uncompressed files only`);
    else throw new RedshiftSqlError(`COPY option "${token.text}" is not supported by this emulator`);
  }
  if (!csv) throw new RedshiftSqlError('this emulator loads FORMAT CSV only');
  if (copy.maxError > 0) throw new RedshiftSqlError('MAXERROR above 0 is not emulated: every load error fails the COPY');
  return copy;
}
