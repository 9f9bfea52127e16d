/** `scanQuotedRecord`'s verdict on a record whose last quoted field is still open at its end. */
export const OPEN = 'open';

/**
 * A fast RFC 4180 scanner for the text of one record (a physical line, or several joined with
 * `\n` when a quoted field spans lines). It accepts exactly the records csv-parse accepts
 * (quoted fields with `""` escapes, no quote inside an unquoted field, nothing between a closing
 * quote and the next comma) and returns their fields; `OPEN` when the text ends inside a quoted
 * field that opened at the start of a field (the record may continue on the next line); and
 * undefined for anything else (the caller then asks csv-parse, whose error message is the reason
 * recorded). csv-parse's synchronous API costs ~25–250 µs per call on these machines (its
 * per-call setup), which would make the producer CPU-bound; this costs ~1 µs.
 */
export function scanQuotedRecord(text: string): string[] | typeof OPEN | undefined {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return OPEN; // quote not closed (yet)
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (text.charCodeAt(i) !== 44 /* , */) return undefined; // junk after the closing quote
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) return undefined; // quote inside an unquoted field
      fields.push(value);
      if (comma < 0) return fields;
      i = comma;
    }
    i++; // past the comma
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/**
 * `scanQuotedRecord` for one line that must be a whole record: fields, or undefined for
 * anything csv-parse would reject (including a quote that is not closed on the line).
 */
export function splitQuotedLine(line: string): string[] | undefined {
  const result = scanQuotedRecord(line);
  return result === OPEN ? undefined : result;
}
