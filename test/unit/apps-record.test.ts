import { describe, expect, it } from 'vitest';
import {
  CSV_HEADER,
  csvLine,
  splitCsvLine,
  validateFields,
  validateLine,
  type MalformedKind,
} from '../../apps/shared/record.ts';
import { RECORD_COLUMNS } from '../../apps/shared/schema.ts';
import { decodeDataMessage, encodeDataMessage } from '../../apps/shared/messages.ts';

const GOOD = [
  'OP-1-42',
  '2023',
  'Covered Recipient Physician',
  '1234567890',
  'MARY',
  "O'BRIEN",
  'SPRINGFIELD',
  'IL',
  'Medtronic USA, Inc.',
  '123.45',
  '2023-02-28',
  'Food and Beverage',
  'In-kind items and services',
  '1',
];
const at = (name: string): number => RECORD_COLUMNS.findIndex((c) => c.name === name);
const withField = (name: string, value: string): string[] => GOOD.map((v, i) => (i === at(name) ? value : v));

function expectKind(result: ReturnType<typeof validateLine>, kind: MalformedKind, reason: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.kind).toBe(kind);
  expect(result.reason).toMatch(reason);
}

describe('row validation', () => {
  it('accepts a valid row and types its values', () => {
    const result = validateLine(csvLine(GOOD));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.record_id).toBe('OP-1-42');
    expect(result.record.program_year).toBe(2023);
    expect(result.record.manufacturer_name).toBe('Medtronic USA, Inc.');
    expect(result.record.amount_usd).toBe('123.45');
  });

  it('maps an empty optional field to null', () => {
    const result = validateFields(withField('recipient_first_name', ''));
    expect(result.ok && result.record.recipient_first_name).toBeNull();
  });

  it('rejects too few and too many fields', () => {
    expectKind(validateFields(GOOD.slice(0, -1)), 'column-count', /expected 14 fields, got 13/);
    expectKind(validateFields([...GOOD, 'x']), 'column-count', /got 15/);
  });

  it.each(['N/A', '12.3O', '$1,200.00', '1e5', '12.345', '-40.00', ' 12'])('rejects amount %j', (amount) => {
    expectKind(validateFields(withField('amount_usd', amount)), 'bad-amount', /amount_usd/);
  });

  it.each(['2023-02-30', '2023-13-01', '03/15/2023', '2023-4-5', 'not a date', '2024-02-30'])(
    'rejects date %j',
    (date) => {
      expectKind(validateFields(withField('payment_date', date)), 'bad-date', /payment_date.*calendar date/);
    },
  );

  it('accepts a leap day only in a leap year', () => {
    expect(validateFields(withField('payment_date', '2024-02-29')).ok).toBe(true);
    expect(validateFields(withField('payment_date', '2023-02-29')).ok).toBe(false);
  });

  it('agrees with the calendar on every day of the edge years', () => {
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    for (const y of [1899, 1900, 1901, 1999, 2000, 2023, 2024, 2100, 2400, 2999, 3000]) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
          const real =
            y >= 1900 && y <= 2999 && mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
          expect(validateFields(withField('payment_date', date)).ok, date).toBe(real);
        }
      }
    }
  });

  it.each([
    ['1,x"y,3', /INVALID_OPENING_QUOTE/],
    ['1,"x"y,3', /INVALID_CLOSING_QUOTE/],
    ['1,"never closed,3', /QUOTE_NOT_CLOSED/],
  ])('rejects broken quoting %j', (line, reason) => {
    expectKind(validateLine(line), 'quoting', reason);
  });

  it('parses escaped quotes and CRLF endings', () => {
    expect(splitCsvLine('a,"b ""c"", d",e\r')).toEqual({ ok: true, fields: ['a', 'b "c", d', 'e'] });
  });

  it('rejects an empty id and a malformed id', () => {
    expectKind(validateFields(withField('record_id', '')), 'empty-id', /record_id/);
    expectKind(validateFields(withField('record_id', 'OP 1')), 'bad-id', /record_id/);
  });

  it.each(['XX', 'ny', 'Calif.', 'Texas'])('rejects state %j', (state) => {
    expectKind(validateFields(withField('recipient_state', state)), 'bad-state', /recipient_state/);
  });

  it('rejects an empty required field and a non-integer year', () => {
    expectKind(validateFields(withField('nature_of_payment', '')), 'missing-field', /nature_of_payment.*required/);
    expectKind(validateFields(withField('program_year', '20x3')), 'bad-int', /program_year/);
    expectKind(validateFields(withField('program_year', '99999999999')), 'bad-int', /32-bit/);
  });

  it('rejects control characters and overlong text', () => {
    expectKind(validateFields(withField('recipient_city', 'A\u0001B')), 'bad-text', /control/);
    expectKind(validateFields(withField('recipient_city', 'x'.repeat(513))), 'bad-text', /longer/);
  });

  it('the header is a column-name line, not a record', () => {
    expect(CSV_HEADER.split(',')).toEqual(RECORD_COLUMNS.map((c) => c.name));
  });

  it('round-trips a data message and rejects junk', () => {
    const m = { object: 'p/part-00000.csv', line: 7, fields: GOOD };
    expect(decodeDataMessage(encodeDataMessage(m))).toEqual(m);
    const odd = { object: 'p/"quoted" Ünï\\code.csv', line: 123456, fields: ['a"b', 'c\\d', 'é€😀', '', '\u0001'] };
    expect(encodeDataMessage(odd).toString('utf8')).toBe(JSON.stringify(odd));
    expect(encodeDataMessage(m).toString('utf8')).toBe(JSON.stringify(m));
    expect(() => decodeDataMessage(Buffer.from('{"object":1}'))).toThrow(/not \{object/);
    expect(() => decodeDataMessage(Buffer.from('nope'))).toThrow(/not JSON/);
    expect(() => decodeDataMessage(null)).toThrow(/no value/);
  });
});
