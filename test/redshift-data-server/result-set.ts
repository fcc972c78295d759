/**
 * PostgreSQL results → the Data API's GetStatementResult shapes: Field unions and ColumnMetadata, with
 * Redshift's type names for what the emulator maps (jsonb is SUPER, bytea is VARBYTE).
 */
import type pg from 'pg';

/** JSON wire form of a Field (blobValue is base64, as in every AWS JSON protocol). */
export type WireField =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: number }
  | { stringValue: string }
  | { blobValue: string };

export interface WireColumnMetadata {
  name: string;
  label: string;
  typeName: string;
  nullable: number;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
  precision: number;
  scale: number;
  length: number;
  schemaName: string;
  tableName: string;
}

export interface ResultSet {
  columns: WireColumnMetadata[];
  records: WireField[][];
}

const OID = { bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, float4: 700, float8: 701, numeric: 1700, jsonb: 3802, json: 114 };

const REDSHIFT_TYPE_NAMES: Record<string, string> = { jsonb: 'super', json: 'super', bytea: 'varbyte', text: 'varchar' };

/** pg type parsers that keep every value as PostgreSQL's text, so that conversion happens here only. */
export const textTypes = { getTypeParser: () => (value: string) => value };

export function toField(value: string | null, typeId: number): WireField {
  if (value === null) return { isNull: true };
  switch (typeId) {
    case OID.bool:
      return { booleanValue: value === 't' || value === 'true' };
    case OID.int2:
    case OID.int4:
    case OID.int8:
      return { longValue: Number(value) };
    case OID.float4:
    case OID.float8: {
      const number = Number(value);
      return Number.isFinite(number) ? { doubleValue: number } : { stringValue: value };
    }
    case OID.bytea:
      return { blobValue: Buffer.from(value.replace(/^\\x/, ''), 'hex').toString('base64') };
    default:
      return { stringValue: value };
  }
}

/** Type names for result columns, looked up once per type; the emulator's domains report as Redshift types. */
export class TypeNames {
  private readonly names = new Map<number, string>();
  private readonly bases = new Map<number, number>();

  async resolve(client: pg.ClientBase, typeIds: number[]): Promise<void> {
    const unknown = [...new Set(typeIds)].filter((id) => !this.names.has(id));
    if (unknown.length === 0) return;
    const result = await client.query<{ oid: string; typname: string; base: string; basename: string | null }>(
      `SELECT t.oid, t.typname, coalesce(nullif(t.typbasetype, 0), t.oid) AS base, b.typname AS basename
         FROM pg_type t LEFT JOIN pg_type b ON b.oid = t.typbasetype WHERE t.oid = ANY($1::oid[])`,
      [unknown],
    );
    for (const row of result.rows) {
      const name = /^varbyte_\d+$/.test(row.typname) ? 'varbyte' : row.basename === null ? row.typname : row.typname === 'geometry' ? 'geometry' : row.basename;
      this.names.set(Number(row.oid), REDSHIFT_TYPE_NAMES[name] ?? name);
      this.bases.set(Number(row.oid), Number(row.base));
    }
  }

  name(typeId: number): string {
    return this.names.get(typeId) ?? 'unknown';
  }

  /** The type whose text form a value has (a domain's base type). */
  base(typeId: number): number {
    return this.bases.get(typeId) ?? typeId;
  }
}

export function toResultSet(result: pg.QueryResult, typeNames: TypeNames): ResultSet {
  const columns = result.fields.map((field): WireColumnMetadata => {
    const { precision, scale, length } = typeModifier(typeNames.base(field.dataTypeID), field.dataTypeModifier);
    return {
      name: field.name,
      label: field.name,
      typeName: typeNames.name(field.dataTypeID),
      nullable: 1,
      isCaseSensitive: [25, 1043, 1042].includes(field.dataTypeID),
      isCurrency: false,
      isSigned: [OID.int2, OID.int4, OID.int8, OID.float4, OID.float8, OID.numeric].includes(field.dataTypeID),
      precision,
      scale,
      length,
      schemaName: '',
      tableName: '',
    };
  });
  const records = (result.rows as unknown as (string | null)[][]).map((row) =>
    row.map((value, i) => toField(value, typeNames.base(result.fields[i]!.dataTypeID))),
  );
  return { columns, records };
}

function typeModifier(typeId: number, modifier: number): { precision: number; scale: number; length: number } {
  if (modifier < 0) return { precision: 0, scale: 0, length: 0 };
  if (typeId === OID.numeric) {
    const packed = modifier - 4;
    return { precision: (packed >> 16) & 0xffff, scale: packed & 0xffff, length: 0 };
  }
  return { precision: modifier - 4, scale: 0, length: modifier - 4 };
}
