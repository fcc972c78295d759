import { InvalidIdentifier } from '../errors.js';

/**
 * How a warehouse treats identifiers.
 *
 * Redshift folds ASCII letters of every identifier to lower case, quoted or not, unless the cluster or
 * session sets `enable_case_sensitive_identifier`; it also truncates names longer than 127 bytes
 * without a word. PostgreSQL keeps quoted names as they are and truncates at 63 bytes (with a NOTICE).
 * pgshift therefore folds names the way the warehouse will (so that what it compares with
 * information_schema is what the warehouse stores) and refuses names the warehouse would cut, instead
 * of letting two long names collide silently.
 */
export interface IdentifierRules {
  /** Longest identifier the warehouse keeps, in UTF-8 bytes. */
  maxBytes: number;
  /** Whether the warehouse folds ASCII letters to lower case even inside double quotes. */
  foldsToLowerCase: boolean;
}

/** The name as the warehouse will store it. */
export function foldIdentifier(name: string, rules: IdentifierRules): string {
  return rules.foldsToLowerCase ? name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : name;
}

/** Throws InvalidIdentifier when the warehouse would refuse or cut the name. */
export function checkIdentifier(name: string, rules: IdentifierRules): void {
  if (name.length === 0) throw new InvalidIdentifier('an identifier cannot be empty');
  if (name.includes('\u0000')) throw new InvalidIdentifier(`identifier ${JSON.stringify(name)} contains a NUL character`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > rules.maxBytes) {
    throw new InvalidIdentifier(
      `identifier ${JSON.stringify(name)} is ${bytes} bytes long; the warehouse keeps at most ${rules.maxBytes} and would truncate it`,
    );
  }
}

/**
 * `"name"` with `"` doubled, after folding and checking. Every identifier pgshift writes goes through
 * here: source names can be mixed case, contain spaces or be reserved words (`user`, `timestamp`,
 * `partition`, `offset`).
 */
export function quoteIdentifier(name: string, rules: IdentifierRules): string {
  const folded = foldIdentifier(name, rules);
  checkIdentifier(folded, rules);
  return `"${folded.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function quoteQualified(schema: string, table: string, rules: IdentifierRules): string {
  return `${quoteIdentifier(schema, rules)}.${quoteIdentifier(table, rules)}`;
}
