/**
 * A fast RFC 4180 splitter for one line, used for the well-formed lines that contain quotes.
 * It accepts exactly the lines csv-parse accepts (quoted fields with `""` escapes, no quote
 * inside an unquoted field, nothing between a closing quote and the next comma) and returns
 * undefined for anything else; the caller then asks csv-parse, whose error message is the
 * reason recorded. csv-parse's synchronous API costs ~25–250 µs per call on these machines
 * (its per-call setup), which would make the producer CPU-bound; this costs ~1 µs.
 */
export function splitQuotedLine(line: string): string[] | undefined {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) return undefined; // quote not closed
        value += line.slice(from, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (line.charCodeAt(i) !== 44 /* , */) return undefined; // junk after the closing quote
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = line.slice(i, end);
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
