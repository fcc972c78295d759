/**
 * The README's configuration tables, rendered from the config shapes themselves: each variable's
 * default is the one the code applies, its meaning the shape's description (`.describe()`, or
 * `.meta({ description, whenUnset })` where "unset" needs words). A README section lies between
 * `<!-- config:NAME -->` and `<!-- /config:NAME -->`; `npm run docs` rewrites it, and each service's
 * config test fails when it drifts.
 */
import { z } from 'zod';

/** A README section and the shapes whose variables it lists, in order (e.g. the loader's and the warehouse's). */
export interface ConfigDocs {
  section: string;
  shapes: readonly z.ZodRawShape[];
}

/** What a variable's documentation says beyond its schema: its meaning, and what an unset variable means. */
export interface VariableMeaning {
  description: string;
  /** Shown as the default: `required for postgres`, `the host name and process id` … */
  whenUnset?: string;
}

export function renderConfigTable(shapes: readonly z.ZodRawShape[]): string {
  const seen = new Set<string>();
  const rows = ['| variable | default | meaning |', '|---|---|---|'];
  for (const shape of shapes) {
    for (const [name, schema] of Object.entries(shape)) {
      if (seen.has(name)) throw new Error(`${name} is in two of the shapes of one table`);
      seen.add(name);
      const meta = z.globalRegistry.get(schema as z.ZodType) as Partial<VariableMeaning> | undefined;
      if (!meta?.description) throw new Error(`${name} has no description: give it one with .describe() in its shape`);
      rows.push(`| \`${name}\` | ${cell(meta.whenUnset ?? defaultText(schema as z.ZodType))} | ${cell(meta.description)} |`);
    }
  }
  return `${rows.join('\n')}\n`;
}

/** The default as a reader writes it: the text given to `.prefault()`, the value given to `.default()`. */
function defaultText(schema: z.ZodType): string {
  const def = schema._zod.def as { type: string; defaultValue?: unknown };
  if (def.type === 'default' || def.type === 'prefault') {
    const value = def.defaultValue;
    return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
  }
  if (def.type === 'optional') return 'unset';
  return 'required';
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The same shape with descriptions attached to the named variables (for variables whose shape lives elsewhere). */
export function withMeanings<Shape extends z.ZodRawShape>(shape: Shape, meanings: Partial<Record<keyof Shape, VariableMeaning>>): Shape {
  const described: Record<string, z.core.$ZodType> = { ...shape };
  for (const [name, meaning] of Object.entries(meanings) as [string, VariableMeaning][]) {
    const schema = shape[name];
    if (!schema) throw new Error(`${name} is not in the shape`);
    described[name] = (schema as z.ZodType).meta({ ...meaning });
  }
  return described as unknown as Shape;
}

const markers = (section: string) => ({ open: `<!-- config:${section} -->\n`, close: `<!-- /config:${section} -->` });

/** The text between a section's markers; throws when the markers are missing. */
export function readmeSection(readme: string, section: string): string {
  const { open, close } = markers(section);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close, start);
  if (start === -1 || end === -1) throw new Error(`README has no ${open.trim()} … ${close} section`);
  return readme.slice(start + open.length, end);
}

export function replaceReadmeSection(readme: string, section: string, body: string): string {
  const { open } = markers(section);
  const current = readmeSection(readme, section);
  const start = readme.indexOf(open) + open.length;
  return readme.slice(0, start) + body + readme.slice(start + current.length);
}
