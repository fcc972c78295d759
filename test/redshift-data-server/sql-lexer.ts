/**
 * A small SQL lexer: enough to tell code from string literals, quoted identifiers and comments, so that
 * translations and parameter binding never touch the inside of a literal.
 */
export type TokenKind = 'space' | 'comment' | 'string' | 'qident' | 'word' | 'number' | 'param' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      let end = i + 1;
      while (end < sql.length && /\s/.test(sql[end]!)) end++;
      push('space', end);
    } else if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      push('comment', newline === -1 ? sql.length : newline);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      push('comment', close === -1 ? sql.length : close + 2);
    } else if (c === "'") {
      // Redshift reads backslash escapes in every literal (as PostgreSQL did before standard_conforming_strings).
      push('string', endOfQuoted(sql, i, "'", true));
    } else if ((c === 'E' || c === 'e') && next === "'") {
      push('string', endOfQuoted(sql, i + 1, "'", true));
    } else if (c === '"') {
      push('qident', endOfQuoted(sql, i, '"', false));
    } else if (c === '$' && /[A-Za-z_$]/.test(next ?? '')) {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push('string', close === -1 ? sql.length : close + tag[0].length);
      } else push('punct', i + 1);
    } else if (c === ':' && next === ':') {
      push('punct', i + 2);
    } else if (c === ':' && WORD_START.test(next ?? '')) {
      let end = i + 2;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push('param', end);
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push('word', end);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i))!;
      push('number', i + match[0].length);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

function endOfQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

export function render(tokens: readonly Token[]): string {
  return tokens.map((t) => t.text).join('');
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.some((w) => w.toLowerCase() === token.text.toLowerCase());
}

export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** The index of the next token that is not whitespace or a comment, or -1. */
export function nextSignificant(tokens: readonly Token[], from: number): number {
  for (let i = from; i < tokens.length; i++) {
    if (tokens[i]!.kind !== 'space' && tokens[i]!.kind !== 'comment') return i;
  }
  return -1;
}

/** The index of the `)` that closes the `(` at `open`, or -1. */
export function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')')) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits a script into statements at top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: Token[] = [];
  for (const token of tokenize(sql)) {
    if (isPunct(token, ';')) {
      statements.push(render(current));
      current = [];
    } else current.push(token);
  }
  statements.push(render(current));
  return statements.filter((s) => tokenize(s).some((t) => t.kind !== 'space' && t.kind !== 'comment'));
}

/** The value of a string literal token, as Redshift reads it. */
export function stringValue(token: Token): string {
  if (token.text.startsWith('$')) {
    const tag = /^\$[A-Za-z_0-9]*\$/.exec(token.text)![0];
    return token.text.slice(tag.length, token.text.length - tag.length);
  }
  const body = /^[eE]'/.test(token.text) ? token.text.slice(2, -1) : token.text.slice(1, -1);
  return unescapeBackslashes(body.replace(/''/g, "'"));
}

/** Backslash escapes as in E'' literals (and Redshift's COPY option values): \n, \t, \r, \ooo octal, \xhh. */
export function unescapeBackslashes(text: string): string {
  return text.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/gs, (_, octal?: string, hex?: string, ch?: string) => {
    if (octal) return String.fromCharCode(parseInt(octal, 8));
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[ch!] ?? ch!;
  });
}

/** An identifier as PostgreSQL/Redshift fold it: quoted ones keep their case, bare ones go lower case. */
export function identifierValue(token: Token): string {
  return token.kind === 'qident' ? token.text.slice(1, -1).replace(/""/g, '"') : token.text.toLowerCase();
}
