/**
 * String literals. The two warehouses read backslashes differently: Redshift treats `\` in a literal
 * as an escape (as PostgreSQL did before standard_conforming_strings), PostgreSQL does not unless the
 * literal is written E'…'. Both forms below survive either setting of the session.
 */

/** Redshift: `'…'` with `'` doubled, `\` doubled and control characters as octal escapes (`\001`). */
export function redshiftLiteral(value: string): string {
  let body = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "'") body += "''";
    else if (char === '\\') body += '\\\\';
    else if (code < 0x20 || code === 0x7f) body += `\\${code.toString(8).padStart(3, '0')}`;
    else body += char;
  }
  return `'${body}'`;
}

/** PostgreSQL: `'…'`, or `E'…'` with `\x01`-style escapes when the value holds a backslash or control character. */
/** A backslash or a control character (U+0000–U+001F, U+007F): the value needs an E'' string. */
// biome's noControlCharactersInRegex: the range is built from its code points instead of written in a literal.
const NEEDS_ESCAPE_STRING = new RegExp(`[\\\\${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]`);

export function postgresLiteral(value: string): string {
  if (!NEEDS_ESCAPE_STRING.test(value)) return `'${value.replaceAll("'", "''")}'`;
  let body = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "'") body += "''";
    else if (char === '\\') body += '\\\\';
    else if (code < 0x20 || code === 0x7f) body += `\\x${code.toString(16).padStart(2, '0')}`;
    else body += char;
  }
  return `E'${body}'`;
}

/** `2024-05-01 12:34:56.789` (UTC). */
export function utcTimestampText(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}
