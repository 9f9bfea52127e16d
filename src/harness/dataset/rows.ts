/** One synthetic, valid "general payments" row. */
import { RECORD_COLUMNS } from '../../../apps/shared/schema.ts';
import type { Random } from './random.ts';
import {
  CITIES,
  FIRST_NAMES,
  FORMS,
  LAST_NAMES,
  MANUFACTURERS,
  NATURES,
  RECIPIENT_TYPES,
  TEACHING_HOSPITALS,
} from './vocabulary.ts';

/** Record id of row `n` (0-based) of the data set generated with `seed`. */
export function recordId(seed: string, n: number): string {
  return `OP-${seed}-${n}`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Fields of a valid row, in RECORD_COLUMNS order: record `n`'s first version, or — with `id` and
 * `version` — a later version of an existing id (new content, same id).
 */
export function validRowFields(
  random: Random,
  seed: string,
  n: number | undefined,
  id?: string,
  version = 1,
): string[] {
  const type = random.weighted(RECIPIENT_TYPES);
  const hospital = type.endsWith('Teaching Hospital');
  const [city, state] = random.pick(CITIES);
  const [nature, , low, high] = random.weighted(NATURES.map((n) => [n, n[1]] as const));
  // Skewed towards the low end of the range, as real payments are.
  const amount = low + (high - low) * random.next() ** 3;
  const year = random.weighted([
    [2021, 2],
    [2022, 3],
    [2023, 5],
  ] as const);
  const month = random.int(1, 12);
  const day = random.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
  const values: Record<string, string> = {
    record_id: id ?? recordId(seed, n ?? 0),
    program_year: String(year),
    recipient_type: type,
    recipient_id: hospital ? `TH${pad(random.int(1, 9999), 6)}` : pad(random.int(1_000_000_000, 1_999_999_999), 10),
    recipient_first_name: hospital ? '' : random.pick(FIRST_NAMES),
    recipient_last_name: hospital ? '' : random.pick(LAST_NAMES),
    recipient_city: city,
    recipient_state: state,
    manufacturer_name: random.pick(MANUFACTURERS),
    amount_usd: amount.toFixed(2),
    payment_date: `${year}-${pad(month, 2)}-${pad(day, 2)}`,
    nature_of_payment: hospital && random.next() < 0.3 ? `${random.pick(TEACHING_HOSPITALS)} Grant` : nature,
    form_of_payment: random.weighted(FORMS),
    record_version: String(version),
  };
  return RECORD_COLUMNS.map((c) => values[c.name] ?? '');
}
