import pg from 'pg';
import { type Finding, unchecked } from './finding.js';
import { parsePublication, parseSettings, parseSlot, parseSourceTable } from './source-rows.js';
import {
  capacityFindings,
  publicationFindings,
  replicaIdentityFindings,
  slotFinding,
  slotWalFindings,
  toastFindings,
  walLevelFinding,
} from './source-rules.js';
import { PUBLICATION_SQL, REPLICATION_SLOTS_SQL, SOURCE_SETTINGS_SQL, SOURCE_TABLES_SQL, sourceTablesParams } from './source-sql.js';

export interface SourceCheckOptions {
  url: string;
  /** The connector's publication.name. */
  publication: string;
  /** The connector's slot.name. */
  slot: string;
  /** The schemas replicated (the connector's schema.include.list); unset: those with a published table. */
  schemas?: readonly string[] | undefined;
}

export interface SourceCheckResult {
  findings: Finding[];
  /** The schemas of the published tables checked: the warehouse schemas the loader creates tables in. */
  publishedSchemas: string[];
}

/** Reads the source's settings, slots, publication and tables (catalog views only) and applies the rules. */
export async function checkSource(options: SourceCheckOptions): Promise<SourceCheckResult> {
  const client = new pg.Client({ connectionString: options.url, application_name: 'pgshift-doctor', connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    return {
      findings: [
        unchecked('source', 'connect', error, 'check PGSHIFT_SOURCE_URL (or --source): host, port, credentials, and that the server accepts this client'),
      ],
      publishedSchemas: [],
    };
  }
  try {
    const settings = parseSettings((await client.query(SOURCE_SETTINGS_SQL)).rows[0]);
    const slots = (await client.query(REPLICATION_SLOTS_SQL)).rows.map(parseSlot);
    const publicationRow = (await client.query(PUBLICATION_SQL, [options.publication])).rows[0];
    const publication = publicationRow ? parsePublication(publicationRow) : null;
    const tables = (await client.query(SOURCE_TABLES_SQL, sourceTablesParams(options.publication, options.schemas))).rows.map(parseSourceTable);
    const findings = [
      walLevelFinding(settings),
      slotFinding(slots, options.slot),
      ...slotWalFindings(settings, slots),
      ...capacityFindings(settings, slots, options.slot),
      ...publicationFindings(publication, options.publication, tables, options.schemas),
      ...replicaIdentityFindings(tables, publication),
      ...toastFindings(tables),
    ];
    const publishedSchemas = [...new Set(tables.filter((t) => t.published).map((t) => t.schema))].sort();
    return { findings, publishedSchemas };
  } catch (error) {
    return {
      findings: [
        unchecked(
          'source',
          'catalog',
          error,
          'doctor reads pg_settings, pg_replication_slots, pg_publication and pg_stat_user_tables: connect as a user who may',
        ),
      ],
      publishedSchemas: [],
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
