/**
 * updates: a change-data-capture dataset (a third of the records get later versions of
 * themselves, spread over other objects) runs through a consumer kill and then a broker kill.
 * Whatever the redeliveries, rebalances and the order versions arrive in, the sink must end with
 * the latest version of every id and the source's content: no stale overwrite, nothing corrupted,
 * nothing lost. Kept short: it runs in CI.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const updates: ScenarioDefinition = {
  name: 'updates',
  description:
    'An updates dataset (same id, increasing versions, latest wins) through a consumer kill and a broker kill: the sink ends with the latest version and the source content of every id.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 90,
  spec: { consumers: { min: 2, max: 4, desired: 2 } },
  method: [
    { kind: 'kill', percent: 50, group: 'consumers' },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['consumers'] },
      withinSeconds: 90,
      consecutive: 2,
      label: 'consumers replaced',
    },
    { kind: 'kill', group: 'kafka', count: 1 },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['kafka'] },
      withinSeconds: 90,
      consecutive: 2,
      label: 'broker replaced and in service',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 2000 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  // Uploaded whole: the versions of one id are spread over its four objects.
  dataset: { rows: rowsFor(BASELINE, 150), objects: 4, updateFraction: 0.3, upfront: true },
  drain: { stallSeconds: 60 },
};
