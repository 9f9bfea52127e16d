/**
 * zone-latency: under load, put the second of three zones 100 ms away from the other two, each
 * way, with 2 % of the packets between them lost (FIS's network latency and packet-loss actions;
 * `tc netem` on the zone's links), then end it. Every acks=all write waits for the slow zone's
 * follower, and the slow zone's consumer fetches from leaders and writes to Cassandra nodes
 * across the slow links, so the pipeline pays in latency, not in data: the producers keep
 * ≥ 70 % of the baseline and the consumers keep lag bounded throughout; no member is replaced
 * (health checks come from the region, not across zones); when the links are fast again, lag
 * recovers. The report's end-to-end latency shows the cost. Ledger exact.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;
const ZONE = 1;

/** The scenario. */
export const zoneLatency: ScenarioDefinition = {
  name: 'zone-latency',
  description:
    'Put zone 2 of 3 100 ms away from the others (each way) with 2 % packet loss under load, then end it: producers keep ≥ 70 % of the baseline and lag stays bounded throughout, no member is replaced; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 120,
  // Two consumers, so one runs in the slow zone and fetches and writes across its links.
  spec: { consumers: { min: 2, max: 4, desired: 2 } },
  method: [
    // Long enough to outlast the checks below; the restore ends it.
    { kind: 'latency', zone: ZONE, delayMs: 100, lossPercent: 2, seconds: 180 },
    {
      // Averaged over 20 s, over readings since the fault began. Across the slow links a producer's
      // acks=all rounds take 2–3 s, so its counter moves in steps of 300–500 records, and a 10 s
      // window read 95–107/s at times in runs that averaged 140/s over the fault (one failed CI on
      // it). Over 20 s such runs read ≥ 120/s, and a run dented to 97/s still fails (91/s).
      kind: 'expect',
      probe: { kind: 'throughput', side: 'produced', min: BASELINE * 0.7, overSeconds: 20 },
      withinSeconds: 30,
      holdSeconds: 40,
      label: 'producers keep ≥ 70 % of baseline while the zone is slow',
    },
    {
      kind: 'expect',
      probe: { kind: 'lag', max: 2000 },
      withinSeconds: 10,
      holdSeconds: 10,
      label: 'consumers keep lag ≤ 2000 while the zone is slow',
    },
    { kind: 'zoneRestore', zone: ZONE },
    {
      kind: 'expect',
      probe: { kind: 'atDesired' },
      withinSeconds: 60,
      consecutive: 2,
      label: 'every group at desired',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 500 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  rollbacks: [{ kind: 'zoneRestore', zone: ZONE }],
  // Health checks come from the region and cross no slow link: any replacement is churn.
  maxReplacements: { producers: 0, consumers: 0 },
  // Uploaded whole, in large objects: between objects a producer writes a done checkpoint and
  // reads the progress topic, through the slowed zone's brokers too, and with a fed dataset's
  // 10 s objects those pauses dented the ≥ 70 % rate this scenario asserts (97.7/s of 105/s).
  dataset: { rows: rowsFor(BASELINE, 200), upfront: true },
  drain: { stallSeconds: 60 },
};
