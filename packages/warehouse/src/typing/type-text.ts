/** Reading type names as warehouses print them. */

/** Length, precision and scale reported beside a type name (information_schema.columns). */
export interface TypeModifiers {
  length?: number | null;
  precision?: number | null;
  scale?: number | null;
}

/** `character varying(256)` → base `character varying`, args [256]. */
export function splitType(text: string): { base: string; args: number[] } {
  const match = /^\s*([^(]+?)\s*(?:\(([^)]*)\))?\s*$/.exec(text.toLowerCase());
  if (!match) return { base: text.trim().toLowerCase(), args: [] };
  const args =
    match[2] === undefined
      ? []
      : match[2]
          .split(',')
          .map((a) => Number(a.trim()))
          .filter((n) => Number.isFinite(n));
  return { base: match[1]!.replace(/\s+/g, ' '), args };
}
