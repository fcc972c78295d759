/**
 * The batch file format both sides agree on: RFC 4180 CSV, comma-separated, `"` quoting, a header row,
 * gzip-compressed, UTF-8.
 *
 * NULL is written as an unquoted sentinel that COPY's `NULL AS` turns back into NULL, so that NULL and
 * the empty string stay distinct. The sentinel contains a control character (U+0001) that PostgreSQL
 * text columns can hold but real data practically never does; a value equal to it is refused by the
 * encoder (the event goes to the dead-letter topic) rather than silently becoming NULL.
 */
export const NULL_SENTINEL = '\u0001N';
export const CSV_DELIMITER = ',';
export const CSV_QUOTE = '"';
