import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedshiftDialect, postgresDialect } from '@pgshift/warehouse';
import { ledgerFindings, parseSchemaPrivileges, parseSession, schemaFindings } from './warehouse-rules.js';
import { ledgerPrivilegesStatement, readLedgerStatement, schemaPrivilegesStatement, warehouseSessionStatement } from './warehouse-sql.js';

const session = { user: 'loader', database: 'dw', canCreateSchema: false };
const purpose = () => 'the tables of source schema shop';

test('the warehouse statements, exactly (one SQL for PostgreSQL and Redshift; booleans as 1/0)', () => {
  assert.equal(
    warehouseSessionStatement(),
    "SELECT current_user AS user_name, current_database() AS database_name, CASE WHEN has_database_privilege(current_database(), 'CREATE') THEN 1 ELSE 0 END AS can_create_schema",
  );
  assert.equal(
    schemaPrivilegesStatement(postgresDialect, ['Shop', 'pgshift']),
    "SELECT nspname AS schema_name, CASE WHEN has_schema_privilege(nspname, 'CREATE') THEN 1 ELSE 0 END AS can_create, CASE WHEN has_schema_privilege(nspname, 'USAGE') THEN 1 ELSE 0 END AS can_use FROM pg_namespace WHERE nspname IN ('Shop', 'pgshift') ORDER BY nspname",
  );
  assert.match(schemaPrivilegesStatement(createRedshiftDialect(), ['Shop']), /WHERE nspname IN \('shop'\)/, 'Redshift folds names to lower case');
  assert.equal(
    ledgerPrivilegesStatement(postgresDialect),
    "SELECT table_name, CASE WHEN has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'SELECT') AND has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'INSERT') AND has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'UPDATE') AND has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'DELETE') THEN 1 ELSE 0 END AS writable FROM information_schema.tables WHERE table_schema = 'pgshift' AND (table_name IN ('ledger', 'truncations') OR table_name LIKE E'ledger\\\\_%') ORDER BY table_name",
  );
  assert.equal(readLedgerStatement(postgresDialect), 'SELECT count(*) AS ledger_rows FROM "pgshift"."ledger"');
});

test('rows read as text become the session and privileges (1 is true)', () => {
  assert.deepEqual(parseSession({ user_name: 'u', database_name: 'd', can_create_schema: '1' }), { user: 'u', database: 'd', canCreateSchema: true });
  assert.deepEqual(parseSchemaPrivileges({ schema_name: 's', can_create: '0', can_use: '1' }), { schema: 's', canCreate: false, canUse: true });
});

test('a schema the user cannot create tables in is an error with the GRANT that fixes it', () => {
  const findings = schemaFindings(session, ['shop'], [{ schema: 'shop', canCreate: false, canUse: true }], purpose);
  assert.deepEqual(
    findings.map((f) => [f.check, f.severity, f.fix]),
    [['target-schema', 'error', 'GRANT USAGE, CREATE ON SCHEMA shop TO loader;']],
  );
  assert.match(findings[0]!.message, /^loader lacks CREATE on schema shop/);
});

test('a missing schema is fine when the user may create schemas (the loader does), an error otherwise', () => {
  assert.equal(schemaFindings({ ...session, canCreateSchema: true }, ['shop'], [], purpose)[0]!.severity, 'info');
  const missing = schemaFindings(session, ['pgshift'], [], () => "pgshift's ledger");
  assert.deepEqual(
    missing.map((f) => [f.check, f.severity]),
    [['ledger-schema', 'error']],
  );
  assert.match(missing[0]!.fix!, /CREATE SCHEMA pgshift AUTHORIZATION loader; \(or GRANT CREATE ON DATABASE dw TO loader;\)/);
});

test('schemas the user may write are one ok finding', () => {
  const findings = schemaFindings(
    session,
    ['shop', 'pgshift'],
    [
      { schema: 'shop', canCreate: true, canUse: true },
      { schema: 'pgshift', canCreate: true, canUse: true },
    ],
    purpose,
  );
  assert.deepEqual(
    findings.map((f) => [f.severity, f.message]),
    [['ok', 'loader may create tables in shop, pgshift']],
  );
});

test('a ledger table the user cannot write is an error; none at all is info (no batch loaded yet)', () => {
  const blocked = ledgerFindings(
    session,
    [
      { table: 'ledger_shop_orders_0123456789', writable: false },
      { table: 'ledger', writable: true },
    ],
    3,
    true,
  );
  assert.deepEqual(
    blocked.map((f) => [f.severity, f.subjects]),
    [['error', ['pgshift.ledger_shop_orders_0123456789']]],
  );
  assert.equal(ledgerFindings(session, [], null, true)[0]!.severity, 'info');
  assert.deepEqual(
    ledgerFindings(
      session,
      [
        { table: 'ledger_a_1', writable: true },
        { table: 'ledger', writable: true },
      ],
      0,
      true,
    ).map((f) => [f.severity, f.message]),
    [['ok', 'ledger readable and writable: 1 target ledger, shared ledger pgshift.ledger readable (0 rows)']],
  );
});
