/**
 * Turning a valid row into a malformed line of a chosen kind. Each corruption spoils exactly one
 * thing, so the validator's verdict is the kind it was made as (the unit tests check that).
 */
import { RECORD_COLUMNS } from '../../../apps/shared/schema.ts';
import { csvField, csvLine, type MalformedKind } from '../../../apps/shared/record.ts';
import type { Random } from './random.ts';

/** The malformed kinds the generator produces. */
export const GENERATED_KINDS: readonly MalformedKind[] = [
  'column-count',
  'bad-amount',
  'bad-date',
  'quoting',
  'empty-id',
  'bad-state',
  'missing-field',
  'bad-int',
];

const col = (name: string): number => {
  const i = RECORD_COLUMNS.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`RECORD_COLUMNS has no column ${name}`);
  return i;
};

const AMOUNT = col('amount_usd');
const DATE = col('payment_date');
const STATE = col('recipient_state');
const YEAR = col('program_year');
const MANUFACTURER = col('manufacturer_name');
const REQUIRED_TEXT = RECORD_COLUMNS.flatMap((c, i) => (c.required && c.kind === 'text' ? [i] : []));

/** A CSV line holding `fields` spoiled as `kind`. */
export function malformedLine(fields: readonly string[], kind: MalformedKind, random: Random): string {
  const f = [...fields];
  switch (kind) {
    case 'column-count':
      if (random.next() < 0.5) f.pop();
      else f.push(random.pick(['EXTRA', '', '0.00']));
      return csvLine(f);
    case 'bad-amount':
      f[AMOUNT] = random.pick(['N/A', '12.3O', '$1,200.00', '1e5', '-', '12.345', 'ten', '-40.00']);
      return csvLine(f);
    case 'bad-date':
      f[DATE] = random.pick(['2023-02-30', '2023-13-01', '03/15/2023', 'not a date', '2023-4-5', '20230405']);
      return csvLine(f);
    case 'bad-state':
      f[STATE] = random.pick(['XX', 'Calif.', 'ny', 'ZZ', 'N.Y.', 'Texas']);
      return csvLine(f);
    case 'empty-id':
      f[0] = '';
      return csvLine(f);
    case 'missing-field':
      f[random.pick(REQUIRED_TEXT)] = '';
      return csvLine(f);
    case 'bad-int':
      f[YEAR] = random.pick(['20x3', 'two thousand', '2023.0', '99999999999']);
      return csvLine(f);
    case 'quoting': {
      // Spoil the quoting of the manufacturer field: a quote in an unquoted field, a closed
      // quote followed by junk, or a quote that is never closed.
      const name = f[MANUFACTURER]!.replaceAll('"', '');
      const variant = random.int(0, 2);
      const bad = variant === 0 ? `${name.replaceAll(',', '')} "Corp"` : variant === 1 ? `"${name}"x` : `"${name}`;
      return f.map((v, i) => (i === MANUFACTURER ? bad : csvField(v))).join(',');
    }
    default:
      throw new Error(`the generator does not produce malformed kind ${kind}`);
  }
}
