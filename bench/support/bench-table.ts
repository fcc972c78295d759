import type { CellValue, ColumnSpec } from '@pgshift/contracts';

/**
 * The benchmarks' table: 12 columns of the types people replicate most, and a deterministic generator
 * of its rows. A row has two renderings: the Avro row image Debezium sends for it, and the cells
 * (exact text) pgshift's decoder turns that image into.
 */

/** The source DDL; `:table` is the qualified name. */
export const BENCH_TABLE_DDL = `CREATE TABLE :table (
  id          bigint PRIMARY KEY,
  account_id  integer NOT NULL,
  quantity    integer,
  priority    smallint,
  amount      numeric(12, 2),
  label       varchar(64),
  note        text,
  active      boolean NOT NULL,
  updated_at  timestamptz NOT NULL,
  due_on      date,
  attrs       jsonb,
  ref         uuid
)`;

/** The column list pgshift's decoder derives from Debezium's schemas for that table (checked by bench:batcher). */
export const BENCH_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', sourceType: 'int8', nullable: false, primaryKey: true, length: 19, scale: 0 },
  { name: 'account_id', sourceType: 'int4', nullable: false, primaryKey: false, length: 10, scale: 0 },
  { name: 'quantity', sourceType: 'int4', nullable: true, primaryKey: false, length: 10, scale: 0 },
  { name: 'priority', sourceType: 'int2', nullable: true, primaryKey: false, length: 5, scale: 0 },
  // decimal.handling.mode=string: a numeric is its exact text, with no logical type.
  { name: 'amount', sourceType: 'numeric', nullable: true, primaryKey: false, length: 12, scale: 2 },
  { name: 'label', sourceType: 'varchar', nullable: true, primaryKey: false, length: 64, scale: 0 },
  { name: 'note', sourceType: 'text', nullable: true, primaryKey: false },
  { name: 'active', sourceType: 'bool', nullable: false, primaryKey: false, length: 1, scale: 0 },
  { name: 'updated_at', sourceType: 'timestamptz', nullable: false, primaryKey: false, length: 35, scale: 6, semanticType: 'io.debezium.time.ZonedTimestamp' },
  { name: 'due_on', sourceType: 'date', nullable: true, primaryKey: false, length: 13, scale: 0, semanticType: 'io.debezium.time.Date' },
  { name: 'attrs', sourceType: 'jsonb', nullable: true, primaryKey: false, semanticType: 'io.debezium.data.Json' },
  { name: 'ref', sourceType: 'uuid', nullable: true, primaryKey: false, semanticType: 'io.debezium.data.Uuid' },
];

export interface BenchRow {
  id: number;
  accountId: number;
  quantity: number | null;
  priority: number | null;
  /** amount × 100 */
  amountCents: number | null;
  label: string | null;
  note: string | null;
  active: boolean;
  /** µs since the epoch; never a multiple of 10, so that every rendering carries all six digits. */
  updatedAtUs: number;
  /** days since the epoch */
  dueOnDays: number | null;
  /** jsonb's own text form (keys by length, then bytes; ", " and ": "), as Debezium sends it. */
  attrs: string | null;
  ref: string | null;
}

const WORDS = (
  'order shipment invoice customer account balance pending settled review priority warehouse parcel ' +
  'refund credit ledger batch region north south east west express standard return exchange note'
).split(' ');
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const EPOCH_2024_US = 1_704_067_200_000_000;
const DAY_2024 = 19_723;

/** mulberry32: small, fast, good enough to make data look varied; same seed, same row. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function noteText(next: () => number, id: number): string {
  let text = `${id}:`;
  while (text.length < 90 + Math.floor(next() * 20)) text += ` ${WORDS[Math.floor(next() * WORDS.length)]}`;
  const flavour = next();
  // Some values that make CSV work: a quote and a comma, a line break, non-ASCII.
  if (flavour < 0.05) text += ', "as agreed"';
  else if (flavour < 0.07) text += '\nsecond line';
  else if (flavour < 0.1) text += ' — café';
  return text;
}

function uuidFrom(next: () => number): string {
  let hex = '';
  for (let i = 0; i < 4; i++)
    hex += Math.floor(next() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Row `id` as of its `version`-th change: the identity columns depend on the id only, the columns an
 * update changes (quantity, amount, active, updated_at, attrs) on the version too.
 */
export function benchRow(id: number, version: number): BenchRow {
  const fixed = random(id * 2_654_435_761);
  const changing = random(id * 40_503 + version * 2_246_822_519);
  const nullish = (p: number) => fixed() < p;
  const accountId = 1 + Math.floor(fixed() * 50_000);
  const priority = nullish(0.2) ? null : Math.floor(fixed() * 10);
  const label = nullish(0.05) ? null : `${WORDS[Math.floor(fixed() * WORDS.length)]}-${WORDS[Math.floor(fixed() * WORDS.length)]}-${id}`.slice(0, 64);
  const note = nullish(0.1) ? null : noteText(fixed, id);
  const dueOnDays = nullish(0.3) ? null : DAY_2024 + Math.floor(fixed() * 1000);
  const ref = nullish(0.1) ? null : uuidFrom(fixed);
  let updatedAtUs = EPOCH_2024_US + id * 1_000_003 + version * 7_777_777 + Math.floor(changing() * 1_000_000);
  if (updatedAtUs % 10 === 0) updatedAtUs += 1;
  const score = Math.floor(changing() * 1000);
  return {
    id,
    accountId,
    quantity: changing() < 0.1 ? null : Math.floor(changing() * 500),
    priority,
    amountCents: changing() < 0.05 ? null : Math.round((changing() - 0.05) * 100_000_000),
    label,
    note,
    active: changing() < 0.8,
    updatedAtUs,
    dueOnDays,
    attrs: changing() < 0.1 ? null : `{"tags": ["${WORDS[id % WORDS.length]}", "v${version}"], "tier": "${TIERS[id % TIERS.length]}", "score": ${score}}`,
    ref,
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function utcParts(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function dateOf(days: number): string {
  return utcParts(days * 86_400_000).slice(0, 10);
}

function centsText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const digits = String(Math.abs(cents)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** The row as Debezium's Avro `Value` record (longs as BigInt, as pgshift's registry client encodes them). */
export function avroRowImage(row: BenchRow): Record<string, unknown> {
  const seconds = Math.floor(row.updatedAtUs / 1_000_000);
  return {
    id: BigInt(row.id),
    account_id: row.accountId,
    quantity: row.quantity,
    priority: row.priority,
    amount: row.amountCents === null ? null : centsText(row.amountCents),
    label: row.label,
    note: row.note,
    active: row.active,
    updated_at: `${utcParts(seconds * 1000)}.${pad(row.updatedAtUs % 1_000_000, 6)}Z`,
    due_on: row.dueOnDays,
    attrs: row.attrs,
    ref: row.ref,
  };
}

/**
 * The row id from a decoded change event's key: the bench table's key is one column, so the key is
 * that column's text (only compound keys are JSON arrays).
 */
export function benchRowId(key: string | null): number {
  const id = Number(key);
  if (key === null || !Number.isSafeInteger(id)) throw new Error(`not a bench table key: ${JSON.stringify(key)}`);
  return id;
}

/** Debezium's Avro `Key` record: the primary key. */
export function avroKey(id: number): Record<string, unknown> {
  return { id: BigInt(id) };
}

/** The row's cells: what pgshift's decoder produces from the Avro image, and what PostgreSQL's COPY reads. */
export function rowCells(row: BenchRow): CellValue[] {
  const seconds = Math.floor(row.updatedAtUs / 1_000_000);
  return [
    String(row.id),
    String(row.accountId),
    row.quantity === null ? null : String(row.quantity),
    row.priority === null ? null : String(row.priority),
    row.amountCents === null ? null : centsText(row.amountCents),
    row.label,
    row.note,
    row.active ? 'true' : 'false',
    `${utcParts(seconds * 1000).replace('T', ' ')}.${pad(row.updatedAtUs % 1_000_000, 6)}+00`,
    row.dueOnDays === null ? null : dateOf(row.dueOnDays),
    row.attrs,
    row.ref,
  ];
}
