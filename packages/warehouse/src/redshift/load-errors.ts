/**
 * When a COPY fails, Redshift's error only says "Check 'sys_load_error_detail' system table for details".
 * This fetches those details (the failing query's rows; failing that, the most recent since the statement
 * began) and attaches them to the error, so that the loader's log says which file, line and column.
 */
import { type RedshiftDataApiClient, RedshiftStatementError } from './data-api-client.js';

export interface LoadErrorDetail {
  queryId: number;
  fileName: string;
  lineNumber: number;
  columnName: string;
  errorCode: number;
  errorMessage: string;
  rawLine: string;
  startTime: string;
}

const LOAD_FAILURE = /Load into table .* failed|sys_load_error_detail|stl_load_errors/i;

export function isLoadFailure(error: unknown): error is RedshiftStatementError {
  return error instanceof RedshiftStatementError && LOAD_FAILURE.test(error.redshiftError);
}

const COLUMNS =
  'query_id, TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, error_code, TRIM(error_message) AS error_message, TRIM(raw_line) AS raw_line, start_time';

/** SYS_LOAD_ERROR_DETAIL rows of one query, most recent first. */
export function loadErrorsOfQuery(queryId: number, limit: number): string {
  return `SELECT ${COLUMNS} FROM sys_load_error_detail WHERE query_id = ${Math.trunc(queryId)} ORDER BY start_time DESC LIMIT ${Math.trunc(limit)}`;
}

/** SYS_LOAD_ERROR_DETAIL rows since a time (UTC), most recent first. */
export function loadErrorsSince(since: Date, limit: number): string {
  const text = since.toISOString().replace('T', ' ').replace('Z', '');
  return `SELECT ${COLUMNS} FROM sys_load_error_detail WHERE start_time >= '${text}' ORDER BY start_time DESC LIMIT ${Math.trunc(limit)}`;
}

/**
 * Attaches the load errors to a failed COPY's error and adds the first one to its message. Query ids of
 * the Data API and of SYS views can differ on provisioned clusters, hence the fallback on time.
 * Never throws: the original failure matters more than its details.
 */
export async function attachLoadErrors(client: RedshiftDataApiClient, error: RedshiftStatementError, limit = 10): Promise<RedshiftStatementError> {
  try {
    let rows = error.redshiftQueryId > 0 ? (await client.query(loadErrorsOfQuery(error.redshiftQueryId, limit))).rows : [];
    if (rows.length === 0 && error.createdAt) {
      rows = (await client.query(loadErrorsSince(new Date(error.createdAt.getTime() - 60_000), limit))).rows;
    }
    const details = rows.map(
      (r): LoadErrorDetail => ({
        queryId: Number(r.query_id),
        fileName: String(r.file_name ?? ''),
        lineNumber: Number(r.line_number),
        columnName: String(r.column_name ?? ''),
        errorCode: Number(r.error_code),
        errorMessage: String(r.error_message ?? ''),
        rawLine: String(r.raw_line ?? ''),
        startTime: String(r.start_time ?? ''),
      }),
    );
    error.loadErrors = details;
    const first = details[0];
    if (first) {
      error.message += ` — load error ${first.errorCode} in ${first.fileName} line ${first.lineNumber}, column ${first.columnName}: ${first.errorMessage} (raw line: ${first.rawLine.slice(0, 200)})`;
    }
  } catch {
    // The details are a courtesy; keep the COPY's own error.
  }
  return error;
}
