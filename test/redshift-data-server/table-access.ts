/**
 * Which tables a statement reads and writes, for the emulation of Redshift's table-level serializable
 * isolation (transactions.ts). Read from tokens, never from inside literals: the names after FROM, JOIN,
 * USING, INTO, UPDATE, COPY, LOCK, TRUNCATE and the tables CREATE/DROP name. A DELETE or UPDATE reads
 * the table it writes (it scans it); INSERT and COPY write without reading. Over-approximation is
 * harmless (a name that is not a table never meets a writer); missing a table would hide a conflict.
 */
import { closingParen, identifierValue, isPunct, isWord, type Token, tokenize } from './sql-lexer.js';

export interface TableAccess {
  reads: string[];
  writes: string[];
  /** Tables `LOCK` names: it serialises, and (as the first statement) takes no snapshot. */
  locks: string[];
  /** A `CREATE TEMP TABLE`'s name: session-local, never shared, so never in a conflict. */
  createsTemp: string | null;
  /** BEGIN / COMMIT / ROLLBACK, for session transactions. */
  control: 'begin' | 'commit' | 'rollback' | null;
}

const FROM_WORDS = ['from', 'join', 'using'];
/** Words that end a name list (after an optional alias). */
const CLAUSE_WORDS = new Set([
  'where',
  'set',
  'on',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'natural',
  'group',
  'order',
  'limit',
  'union',
  'except',
  'intersect',
  'having',
  'using',
  'select',
  'values',
  'returning',
  'window',
  'offset',
  'as',
  'iam_role',
  'credentials',
  'manifest',
  'format',
  'csv',
  'in',
]);

/** `"schema"."table"` or `table` (public) as the catalog stores it: `schema.table`. */
function readName(tokens: readonly Token[], at: number): { name: string; end: number } | null {
  const first = tokens[at];
  if (!first || (first.kind !== 'word' && first.kind !== 'qident')) return null;
  const parts = [identifierValue(first)];
  let i = at + 1;
  while (isPunct(tokens[i], '.') && (tokens[i + 1]?.kind === 'word' || tokens[i + 1]?.kind === 'qident')) {
    parts.push(identifierValue(tokens[i + 1]!));
    i += 2;
  }
  const name = parts.length === 1 ? `public.${parts[0]}` : parts.slice(-2).join('.');
  return { name, end: i };
}

/** A comma-separated list of tables (each with an optional alias) starting at `at`. */
function readNameList(tokens: readonly Token[], at: number): string[] {
  const names: string[] = [];
  let i = at;
  for (;;) {
    if (isPunct(tokens[i], '(')) {
      // A subquery: its own FROM is read on its own; the list may go on after it.
      const close = closingParen(tokens, i);
      if (close === -1) return names;
      i = close + 1;
    } else {
      const read = readName(tokens, i);
      if (!read) return names;
      names.push(read.name);
      i = read.end;
    }
    if (isWord(tokens[i], 'as')) i++;
    if ((tokens[i]?.kind === 'word' && !CLAUSE_WORDS.has(tokens[i]!.text.toLowerCase())) || tokens[i]?.kind === 'qident') i++;
    if (!isPunct(tokens[i], ',')) return names;
    i++;
  }
}

export function tableAccess(sql: string): TableAccess {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const access: TableAccess = { reads: [], writes: [], locks: [], createsTemp: null, control: null };
  const head = tokens[0]?.kind === 'word' ? tokens[0].text.toLowerCase() : '';
  if (head === 'begin' || (head === 'start' && isWord(tokens[1], 'transaction'))) return { ...access, control: 'begin' };
  if (head === 'commit' || head === 'end') return { ...access, control: 'commit' };
  if (head === 'rollback' || head === 'abort') return { ...access, control: 'rollback' };

  const reads = new Set<string>();
  const writes = new Set<string>();
  let afterTarget = 1;
  if (head === 'insert' && isWord(tokens[1], 'into')) {
    const target = readName(tokens, 2);
    if (target) {
      writes.add(target.name);
      afterTarget = target.end;
    }
  } else if (head === 'delete' && isWord(tokens[1], 'from')) {
    const target = readName(tokens, 2);
    if (target) {
      writes.add(target.name);
      reads.add(target.name);
      afterTarget = target.end;
    }
  } else if (head === 'update') {
    const target = readName(tokens, 1);
    if (target) {
      writes.add(target.name);
      reads.add(target.name);
      afterTarget = target.end;
    }
  } else if (head === 'copy') {
    const target = readName(tokens, 1);
    if (target) writes.add(target.name);
    return { ...access, writes: [...writes] };
  } else if (head === 'lock') {
    const at = isWord(tokens[1], 'table') ? 2 : 1;
    return { ...access, locks: readNameList(tokens, at) };
  } else if (head === 'truncate') {
    const names = readNameList(tokens, isWord(tokens[1], 'table') ? 2 : 1);
    return { ...access, writes: names };
  } else if (head === 'create' || head === 'drop' || head === 'alter') {
    const tableAt = tokens.findIndex((t, i) => i < 4 && isWord(t, 'table'));
    if (tableAt !== -1) {
      let at = tableAt + 1;
      if (isWord(tokens[at], 'if')) at += isWord(tokens[at + 1], 'not') ? 3 : 2;
      const target = readName(tokens, at);
      const temp = tokens.slice(1, tableAt).some((t) => isWord(t, 'temp', 'temporary'));
      if (target && temp && head === 'create') return { ...access, createsTemp: target.name };
      if (target) {
        writes.add(target.name);
        afterTarget = target.end;
      }
    }
  }
  for (let i = afterTarget; i < tokens.length; i++) {
    if (tokens[i]!.kind === 'word' && FROM_WORDS.includes(tokens[i]!.text.toLowerCase())) {
      for (const name of readNameList(tokens, i + 1)) reads.add(name);
    }
  }
  return { ...access, reads: [...reads], writes: [...writes] };
}
