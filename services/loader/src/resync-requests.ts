import type { Logger } from '@pgshift/runtime';

/**
 * Where the loader asks for a table to be read again from the source (a resync), when a schema change
 * left the warehouse's existing rows different from the source's and PGSHIFT_SCHEMA_CHANGE_POLICY is
 * `resync`. The seam for the resync (control API `POST /v1/tables/:t/resync`, a Debezium incremental
 * snapshot): until it is wired, the request is only recorded — the table reports itself incomplete
 * with the reason (its status record, `pgshift tables`) and the loader logs it — so an operator can
 * start the resync.
 */
export interface ResyncRequests {
  requestResync(table: string, reason: string): Promise<void>;
}

/** The stand-in until the resync exists: a warning line naming the table and the reason. */
export function loggedResyncRequests(logger: Logger): ResyncRequests {
  return {
    async requestResync(table, reason) {
      logger.warn({ table, reason }, 'resync needed: the warehouse copy is incomplete until the table is read again from the source');
    },
  };
}
