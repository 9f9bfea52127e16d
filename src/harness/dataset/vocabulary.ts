/**
 * Vocabulary for synthetic rows shaped like CMS Open Payments "general payments": recipient
 * types, names, cities with their states, manufacturers, natures and forms of payment.
 */

/** Recipient types with weights. */
export const RECIPIENT_TYPES: readonly (readonly [string, number])[] = [
  ['Covered Recipient Physician', 80],
  ['Covered Recipient Non-Physician Practitioner', 14],
  ['Covered Recipient Teaching Hospital', 6],
];

export const FIRST_NAMES: readonly string[] = [
  'JAMES', 'MARY', 'ROBERT', 'PATRICIA', 'JOHN', 'JENNIFER', 'MICHAEL', 'LINDA', 'DAVID', 'ELIZABETH',
  'WILLIAM', 'BARBARA', 'RICHARD', 'SUSAN', 'JOSEPH', 'JESSICA', 'THOMAS', 'SARAH', 'CHRISTOPHER',
  'KAREN', 'CHARLES', 'LISA', 'DANIEL', 'NANCY', 'MATTHEW', 'SANDRA', 'ANTHONY', 'ASHLEY', 'MARK',
  'EMILY', 'PRIYA', 'WEI', 'JOSE', 'MARIA', 'AHMED', 'FATIMA', 'HIROSHI', 'YUKI', 'OLUWASEUN', 'SIOBHAN',
];

export const LAST_NAMES: readonly string[] = [
  'SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'RODRIGUEZ', 'MARTINEZ',
  'HERNANDEZ', 'LOPEZ', 'GONZALEZ', 'WILSON', 'ANDERSON', 'THOMAS', 'TAYLOR', 'MOORE', 'JACKSON',
  'MARTIN', 'LEE', 'PEREZ', 'THOMPSON', 'WHITE', 'HARRIS', 'SANCHEZ', 'CLARK', 'RAMIREZ', 'LEWIS',
  'ROBINSON', "O'BRIEN", 'NGUYEN', 'PATEL', 'KIM', 'CHEN', 'MÜLLER', 'DE LA CRUZ', 'VAN DYKE',
  'SMITH-JONES', 'OKAFOR',
];

/** Cities and the state they are in. */
export const CITIES: readonly (readonly [string, string])[] = [
  ['NEW YORK', 'NY'], ['BROOKLYN', 'NY'], ['LOS ANGELES', 'CA'], ['SAN DIEGO', 'CA'], ['SAN FRANCISCO', 'CA'],
  ['CHICAGO', 'IL'], ['SPRINGFIELD', 'IL'], ['HOUSTON', 'TX'], ['DALLAS', 'TX'], ['AUSTIN', 'TX'],
  ['PHOENIX', 'AZ'], ['PHILADELPHIA', 'PA'], ['PITTSBURGH', 'PA'], ['SAN ANTONIO', 'TX'],
  ['JACKSONVILLE', 'FL'], ['MIAMI', 'FL'], ['TAMPA', 'FL'], ['COLUMBUS', 'OH'], ['CLEVELAND', 'OH'],
  ['INDIANAPOLIS', 'IN'], ['CHARLOTTE', 'NC'], ['DURHAM', 'NC'], ['SEATTLE', 'WA'], ['DENVER', 'CO'],
  ['WASHINGTON', 'DC'], ['BOSTON', 'MA'], ['NASHVILLE', 'TN'], ['BALTIMORE', 'MD'], ['LOUISVILLE', 'KY'],
  ['PORTLAND', 'OR'], ['LAS VEGAS', 'NV'], ['MILWAUKEE', 'WI'], ['ALBUQUERQUE', 'NM'], ['OMAHA', 'NE'],
  ['MINNEAPOLIS', 'MN'], ['ROCHESTER', 'MN'], ['ATLANTA', 'GA'], ['NEW ORLEANS', 'LA'], ['SAINT LOUIS', 'MO'],
  ['SALT LAKE CITY', 'UT'], ['BIRMINGHAM', 'AL'], ['ANCHORAGE', 'AK'], ['HONOLULU', 'HI'], ['SAN JUAN', 'PR'],
  ['BURLINGTON', 'VT'], ['PROVIDENCE', 'RI'], ['HARTFORD', 'CT'], ['DES MOINES', 'IA'], ['BOISE', 'ID'],
  ['CHARLESTON', 'WV'],
];

export const TEACHING_HOSPITALS: readonly string[] = [
  'UNIVERSITY MEDICAL CENTER', 'ST. MARY\'S REGIONAL HOSPITAL', 'MEMORIAL HOSPITAL', 'CHILDREN\'S HOSPITAL',
  'GENERAL HOSPITAL', 'MERCY MEDICAL CENTER',
];

export const MANUFACTURERS: readonly string[] = [
  'Pfizer Inc.', 'Medtronic USA, Inc.', 'Johnson & Johnson Health Care Systems, Inc.', 'AbbVie Inc.',
  'Merck Sharp & Dohme LLC', 'Novartis Pharmaceuticals Corporation', 'Stryker Corporation',
  'Boston Scientific Corporation', 'AstraZeneca Pharmaceuticals LP', 'Eli Lilly and Company',
  'Bristol-Myers Squibb Company', 'Amgen Inc.', 'Zimmer Biomet Holdings, Inc.', 'Abbott Laboratories',
  'GlaxoSmithKline, LLC.', 'Sanofi US', 'Intuitive Surgical, Inc.', 'Smith & Nephew, Inc.',
  'Teva Pharmaceuticals USA, Inc.', 'Gilead Sciences Inc', 'Novo Nordisk Inc', 'Genentech USA, Inc.',
  'Arthrex, Inc.', 'Edwards Lifesciences LLC', 'DePuy Synthes Sales Inc.',
];

/** Natures of payment with weights and a typical amount range in USD. */
export const NATURES: readonly (readonly [string, number, number, number])[] = [
  ['Food and Beverage', 70, 3, 150],
  ['Travel and Lodging', 8, 50, 3000],
  ['Consulting Fee', 5, 250, 15000],
  [
    'Compensation for services other than consulting, including serving as faculty or as a speaker at a venue other than a continuing education program',
    6, 500, 8000,
  ],
  ['Education', 5, 10, 2500],
  ['Honoraria', 2, 200, 5000],
  ['Gift', 1, 10, 500],
  ['Entertainment', 1, 20, 400],
  ['Royalty or License', 1, 1000, 250000],
  ['Grant', 1, 1000, 100000],
];

/** Forms of payment with weights. */
export const FORMS: readonly (readonly [string, number])[] = [
  ['In-kind items and services', 70],
  ['Cash or cash equivalent', 28],
  ['Stock', 1],
  ['Dividend, profit or other return on investment', 1],
];
