import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries the bearer token. Compared in constant time over digests
 * (equal lengths whatever was sent), so the answer's timing says nothing about the token.
 */
export function carriesToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** The actor an action is logged with: what the CLI sends ($USER or --as), printable, at most 100 characters. */
export function actorFrom(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed.length > 100 || !/^[\p{L}\p{N} ._@+\-:/]+$/u.test(trimmed)) return null;
  return trimmed;
}
