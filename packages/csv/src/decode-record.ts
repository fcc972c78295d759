import { type CellValue, NULL_SENTINEL } from '@pgshift/contracts';

/**
 * The fields of one record as encodeRow writes it (every value `"`-quoted with `""` inside, NULL as the
 * unquoted sentinel, `\n`-terminated): the inverse of encodeRow, for records pgshift encoded itself.
 */
export function decodeRecord(line: string): CellValue[] {
  const fields: CellValue[] = [];
  const end = line.endsWith('\n') ? line.length - 1 : line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote === -1 || quote >= end) throw new SyntaxError(`unterminated quoted field at ${i}`);
        value += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) === 0x22) {
          value += '"';
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const stop = comma === -1 || comma > end ? end : comma;
      const token = line.slice(i, stop);
      if (token !== NULL_SENTINEL) throw new SyntaxError(`unquoted field ${JSON.stringify(token)} is not the NULL sentinel`);
      fields.push(null);
      i = stop;
    }
    if (i >= end) return fields;
    if (line.charCodeAt(i) !== 0x2c) throw new SyntaxError(`expected a comma at ${i}`);
    i++;
  }
}
