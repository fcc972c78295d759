/**
 * Redshift `COPY … FROM 's3://…' … CSV` on PostgreSQL: reads the manifest (or the objects under a prefix)
 * from the S3 server, gunzips, parses each file's CSV, applies what Redshift does to the fields (NULL AS,
 * EMPTYASNULL, VARBYTE hex, VARCHAR byte lengths, TRUNCATECOLUMNS), and streams the records into
 * `COPY … FROM STDIN` on the caller's connection, so the load belongs to the caller's transaction.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LAST_COPY_COUNT_SETTING, type RedshiftCopy, RedshiftSqlError } from './translate.js';

export interface S3ServerConfig {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** One row of `sys_load_error_detail`. */
export interface LoadError {
  tableId: number;
  fileName: string;
  lineNumber: number;
  columnName: string;
  columnType: string;
  columnLength: string;
  errorCode: number;
  errorMessage: string;
  rawLine: string;
  rawFieldValue: string;
}

export interface CopyContext {
  s3: S3Client;
  /** Writes a load error outside the caller's transaction, as Redshift's system tables do. */
  recordLoadError: (error: LoadError) => Promise<void>;
}

export function createS3Client(config: S3ServerConfig): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  });
}

interface TargetColumn {
  name: string;
  type: string;
  /** bytea: hex text in the file. */
  binary: boolean;
  character: boolean;
  /** VARCHAR/CHAR length, which Redshift counts in bytes. */
  maxBytes: number | null;
  /** The PostgreSQL type (a domain's base type) the emulator stores it in. */
  typname: string;
}

interface Target {
  oid: number;
  name: string;
  columns: TargetColumn[];
}

/** Runs the COPY; returns the number of rows loaded. */
export async function copyFromS3(client: pg.ClientBase, copy: RedshiftCopy, context: CopyContext): Promise<number> {
  const target = await resolveTarget(client, copy);
  const files = await listFiles(context.s3, copy);
  const boundaries: { url: string; firstRecord: number }[] = [];
  let emitted = 0;
  let ownError: LoadError | null = null;

  async function* csvChunks(): AsyncGenerator<string> {
    for (const url of files) {
      boundaries.push({ url, firstRecord: emitted + 1 });
      let chunk = '';
      for await (const { fields, line, raw } of readRecords(context.s3, url, copy)) {
        const problem = checkRecord(fields, target, copy);
        if (problem) {
          ownError = { ...problem, tableId: target.oid, fileName: url, lineNumber: line, rawLine: raw };
          throw new RedshiftSqlError(loadFailedMessage(target.name));
        }
        chunk += encodeRecord(fields, target, copy);
        emitted++;
        if (chunk.length >= 1 << 16) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
  }

  const columnList = target.columns.map((c) => quoteIdent(c.name)).join(', ');
  const stream = client.query(copyFrom(`COPY ${target.name} (${columnList}) FROM STDIN WITH (FORMAT csv)`));
  try {
    await pipeline(Readable.from(csvChunks()), stream);
  } catch (error) {
    if (ownError) {
      await context.recordLoadError(ownError);
      throw error;
    }
    const detail = await describeDatabaseError(error, target, boundaries, context.s3, copy);
    if (!detail) throw error;
    await context.recordLoadError(detail);
    throw new RedshiftSqlError(loadFailedMessage(target.name));
  }
  const loaded = stream.rowCount;
  await client.query(`SELECT set_config('${LAST_COPY_COUNT_SETTING}', $1, false)`, [String(loaded)]);
  return loaded;
}

function loadFailedMessage(table: string): string {
  return `Load into table '${table.replace(/"/g, '')}' failed. Check 'sys_load_error_detail' system table for details.`;
}

async function resolveTarget(client: pg.ClientBase, copy: RedshiftCopy): Promise<Target> {
  const table = await client.query<{ oid: number; name: string }>(
    `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
    [copy.table],
  );
  const found = table.rows[0];
  if (!found) throw new RedshiftSqlError(`relation "${copy.table.replace(/"/g, '')}" does not exist`);
  const columns = await client.query<{ name: string; type: string; typname: string; typmod: number }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, coalesce(b.typname, t.typname) AS typname, a.atttypmod AS typmod
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type b ON b.oid = t.typbasetype
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [Number(found.oid)],
  );
  const all = columns.rows.map((c): TargetColumn => {
    const character = ['varchar', 'bpchar', 'text'].includes(c.typname);
    const typmod = Number(c.typmod);
    return {
      name: c.name,
      type: c.type,
      binary: c.typname === 'bytea',
      character,
      typname: c.typname,
      maxBytes: character && typmod > 4 ? typmod - 4 : null,
    };
  });
  const chosen =
    copy.columns?.map((name) => {
      const column = all.find((c) => c.name === name);
      if (!column) throw new RedshiftSqlError(`column "${name}" of relation "${found.name}" does not exist`);
      return column;
    }) ?? all;
  return { oid: Number(found.oid), name: found.name, columns: chosen };
}

async function listFiles(s3: S3Client, copy: RedshiftCopy): Promise<string[]> {
  const { bucket, key } = splitS3Url(copy.from);
  if (!copy.manifest) {
    const urls: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      for (const object of page.Contents ?? []) urls.push(`s3://${bucket}/${object.Key}`);
      token = page.NextContinuationToken;
    } while (token);
    if (urls.length === 0) throw new RedshiftSqlError(`The specified S3 prefix '${key}' does not exist`);
    return urls.sort();
  }
  let manifest: { entries?: { url?: string; mandatory?: boolean }[] };
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    manifest = JSON.parse(await object.Body!.transformToString('utf8')) as typeof manifest;
  } catch (error) {
    if (isNotFound(error))
      throw new RedshiftSqlError(
        `Problem reading manifest file - S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey,Key ${copy.from}`,
      );
    if (error instanceof SyntaxError) throw new RedshiftSqlError(`Manifest file is not in correct json format`);
    throw error;
  }
  if (!Array.isArray(manifest.entries)) throw new RedshiftSqlError(`Manifest file is not in correct json format`);
  const urls: string[] = [];
  for (const entry of manifest.entries) {
    if (typeof entry.url !== 'string') throw new RedshiftSqlError(`Manifest file is not in correct json format`);
    const file = splitS3Url(entry.url);
    try {
      await s3.send(new HeadObjectCommand({ Bucket: file.bucket, Key: file.key }));
      urls.push(entry.url);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (entry.mandatory === true) {
        throw new RedshiftSqlError(
          `Manifest file entry '${entry.url}' is mandatory, but the file was not found (S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey)`,
        );
      }
    }
  }
  if (urls.length === 0) throw new RedshiftSqlError(`No files were found to load from manifest '${copy.from}'`);
  return urls;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

function splitS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!match) throw new RedshiftSqlError(`Invalid S3 URL: ${url}`);
  return { bucket: match[1]!, key: match[2]! };
}

interface ParsedField {
  value: string;
  quoted: boolean;
}

interface FileRecord {
  fields: ParsedField[];
  /** The record's first line in the file, counting the header lines. */
  line: number;
  raw: string;
}

/** The records of one file, after its header lines. */
async function* readRecords(s3: S3Client, url: string, copy: RedshiftCopy): AsyncGenerator<FileRecord> {
  const { bucket, key } = splitS3Url(url);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = object.Body as Readable;
  const parser = parse({
    delimiter: copy.delimiter,
    quote: copy.quote,
    escape: copy.quote,
    relax_column_count: true,
    info: true,
    raw: true,
    cast: (value, context): ParsedField => ({ value, quoted: context.quoting }),
  });
  const source = copy.gzip ? body.pipe(createGunzip()) : body;
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let previousEnd = 0;
  let index = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: ParsedField[]; info: { lines: number }; raw: string }>) {
      const line = previousEnd + 1;
      previousEnd = item.info.lines;
      if (index++ < copy.ignoreHeader) continue;
      yield { fields: item.record, line, raw: item.raw.replace(/\r?\n$/, '') };
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      throw new RedshiftSqlError(`Load of '${url}' failed: ${(error as Error).message}`);
    }
    if ((error as { code?: string }).code === 'Z_DATA_ERROR') {
      throw new RedshiftSqlError(`Failed to inflate '${url}': invalid or corrupt gzip data`);
    }
    throw error;
  } finally {
    body.destroy();
  }
}

/**
 * Values PostgreSQL reads into a column of this (PostgreSQL) type but Redshift does not: it has no
 * infinity in DATE / TIMESTAMP / TIMESTAMPTZ and no NaN or ±Infinity in DECIMAL, and its dates stop at
 * 294276 AD. The load error Redshift reports, or null.
 */
export function redshiftRefuses(typname: string, value: string): { errorCode: number; errorMessage: string } | null {
  switch (typname) {
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      const infinite = /^[+-]?infinity$/i.test(value.trim());
      const year = /^(\d+)-/.exec(value.trim());
      if (infinite || (year && Number(year[1]) > 294276 && !/ BC$/i.test(value.trim()))) {
        return typname === 'date'
          ? { errorCode: 1205, errorMessage: 'Invalid Date Format - length must be 10 or more' }
          : { errorCode: 1206, errorMessage: 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]' };
      }
      return null;
    }
    case 'numeric':
      return /^[+-]?(nan|infinity|inf)$/i.test(value.trim())
        ? { errorCode: 1207, errorMessage: `Invalid digit, Value '${value.trim()[0]}', Pos 0, Type: Decimal` }
        : null;
    default:
      return null;
  }
}

/** What Redshift would refuse in this record before it reaches the table; null when it is fine. */
function checkRecord(fields: ParsedField[], target: Target, copy: RedshiftCopy): Omit<LoadError, 'tableId' | 'fileName' | 'lineNumber' | 'rawLine'> | null {
  const columns = target.columns;
  if (fields.length !== columns.length) {
    const column = columns[Math.min(fields.length, columns.length - 1)]!;
    return {
      columnName: column.name,
      columnType: column.type,
      columnLength: String(column.maxBytes ?? ''),
      errorCode: fields.length < columns.length ? 1214 : 1216,
      errorMessage: fields.length < columns.length ? 'Delimiter not found' : 'Extra column(s) found',
      rawFieldValue: '',
    };
  }
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const value = fieldValue(fields[i]!, column, copy);
    const refused = value === null ? null : redshiftRefuses(column.typname, value);
    if (refused !== null) {
      return { columnName: column.name, columnType: column.type, columnLength: '', ...refused, rawFieldValue: value!.slice(0, 1024) };
    }
  }
  if (copy.truncateColumns) return null;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const value = fieldValue(fields[i]!, column, copy);
    if (value !== null && column.maxBytes !== null && Buffer.byteLength(value) > column.maxBytes) {
      return {
        columnName: column.name,
        columnType: column.type,
        columnLength: String(column.maxBytes),
        errorCode: 1204,
        errorMessage: 'String length exceeds DDL length',
        rawFieldValue: value.slice(0, 1024),
      };
    }
  }
  return null;
}

/** A field's value as Redshift would load it, or null. */
function fieldValue(field: ParsedField, column: TargetColumn, copy: RedshiftCopy): string | null {
  if (!field.quoted && copy.nullAs !== null && field.value === copy.nullAs) return null;
  // Redshift loads an empty field as NULL in every column that is not a string (VARCHAR, CHAR, VARBYTE).
  if (field.value === '' && (!(column.character || column.binary) || (copy.emptyAsNull && column.character))) return null;
  if (copy.blanksAsNull && column.character && field.value.trim() === '') return null;
  return field.value;
}

/** One CSV line for PostgreSQL: NULL as an unquoted empty field, every value quoted. */
function encodeRecord(fields: ParsedField[], target: Target, copy: RedshiftCopy): string {
  const out: string[] = [];
  for (let i = 0; i < target.columns.length; i++) {
    const column = target.columns[i]!;
    let value = fieldValue(fields[i]!, column, copy);
    if (value === null) {
      out.push('');
      continue;
    }
    if (column.binary) value = `\\x${value}`;
    if (copy.truncateColumns && column.maxBytes !== null) value = truncateToBytes(value, column.maxBytes);
    if (copy.acceptInvChars !== null) value = value.replace(/\uFFFD/g, copy.acceptInvChars);
    out.push(`"${value.replace(/"/g, '""')}"`);
  }
  return `${out.join(',')}\n`;
}

export function truncateToBytes(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value) <= maxBytes) return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}

const ERROR_CODES: Record<string, [number, string]> = {
  '22P02': [1207, 'Invalid digit, Value'],
  '22003': [1208, 'Numeric value out of range'],
  '22007': [1205, 'Invalid timestamp format or value'],
  '22008': [1205, 'Date/time field value out of range'],
  '23502': [1213, 'Missing data for not-null field'],
  '22001': [1204, 'String length exceeds DDL length'],
  '22021': [1220, 'Invalid UTF-8 character'],
};

/** Maps PostgreSQL's COPY error (`COPY t, line 3, column c: "…"`) back to the file and line it came from. */
async function describeDatabaseError(
  error: unknown,
  target: Target,
  boundaries: { url: string; firstRecord: number }[],
  s3: S3Client,
  copy: RedshiftCopy,
): Promise<LoadError | null> {
  const e = error as { code?: string; where?: string; message?: string };
  const place = /line (\d+)(?:, column ([^:]+))?/.exec(e.where ?? '');
  if (!e.code || !place) return null;
  const recordNumber = Number(place[1]);
  const file = [...boundaries].reverse().find((b) => b.firstRecord <= recordNumber);
  const column = target.columns.find((c) => c.name === place[2]);
  const [code, reason] = ERROR_CODES[e.code] ?? [1200, 'Unknown parse error'];
  let lineNumber = recordNumber;
  let rawLine = '';
  if (file) {
    const wanted = recordNumber - file.firstRecord;
    let index = 0;
    for await (const record of readRecords(s3, file.url, copy)) {
      if (index++ === wanted) {
        lineNumber = record.line;
        rawLine = record.raw;
        break;
      }
    }
  }
  const rawField = /: "(.*)"$/s.exec(e.where ?? '')?.[1] ?? '';
  return {
    tableId: target.oid,
    fileName: file?.url ?? '',
    lineNumber,
    columnName: column?.name ?? '',
    columnType: column?.type ?? '',
    columnLength: String(column?.maxBytes ?? ''),
    errorCode: code,
    errorMessage: `${reason} (${e.message})`,
    rawLine,
    rawFieldValue: rawField,
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
