/**
 * What a run in flight shows while it runs: its progress lines, steps, events and samples, kept
 * in memory for `GET /api/runs/:id` and streamed to `GET /api/runs/:id/events` subscribers. A
 * finished run is read from the store instead.
 */
import type { ScenarioEvent } from '../harness/engine/events.ts';
import type { SeriesPoint } from '../harness/report/series.ts';

/** A step as the live view shows it. */
export interface LiveStep {
  /** 1-based index in the method; 0 for the phases around it (deploy, hypothesis, ledger). */
  index: number;
  /** Steps in the method (0 when not known yet). */
  of: number;
  name: string;
  /** ISO 8601. */
  startedAt: string;
}

/** One message of a run's event stream. */
export type LiveMessage =
  | { type: 'log'; line: string; at: string }
  | { type: 'step'; step: LiveStep }
  | { type: 'event'; event: ScenarioEvent }
  | { type: 'sample'; point: SeriesPoint }
  | { type: 'status'; status: string; at: string; error?: string };

/** Lines above this are dropped from the front (the store keeps the journal). */
const MAX_LINES = 2000;
/** Samples kept for late subscribers (a sample a second: an hour). */
const MAX_SAMPLES = 3600;

const STEP_LINE = /^step (\d+)\/(\d+): (.*)$/;
const PHASE_LINES: readonly [RegExp, string][] = [
  [/^terraform apply: /, 'deploy (terraform apply)'],
  [/: dataset of \d+ rows/, 'load the dataset'],
  [/: baseline \d+/, 'baseline load and warm-up'],
  [/^steady-state hypothesis \(before\)/, 'steady-state hypothesis (before)'],
  [/^steady-state hypothesis \(after\)/, 'steady-state hypothesis (after)'],
  [/^ledger: /, 'ledger'],
  [/^teardown/, 'teardown'],
];

/** The live state of one run and its subscribers. */
export class LiveRun {
  readonly lines: string[] = [];
  readonly steps: LiveStep[] = [];
  readonly events: ScenarioEvent[] = [];
  readonly samples: SeriesPoint[] = [];
  status = 'running';
  private readonly listeners = new Set<(m: LiveMessage) => void>();

  constructor(readonly runId: string) {}

  /** A progress line (already redacted); steps and phases are recognised from it. */
  line(line: string): void {
    const at = new Date().toISOString();
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.emit({ type: 'log', line, at });
    const trimmed = line.trim();
    const m = STEP_LINE.exec(trimmed);
    if (m) {
      this.step({ index: Number(m[1]), of: Number(m[2]), name: m[3] ?? '', startedAt: at });
      return;
    }
    for (const [re, name] of PHASE_LINES)
      if (re.test(trimmed)) {
        this.step({ index: 0, of: 0, name, startedAt: at });
        return;
      }
  }

  private step(step: LiveStep): void {
    this.steps.push(step);
    this.emit({ type: 'step', step });
  }

  /** An event of the scenario (fault, load, scaling). */
  event(event: ScenarioEvent): void {
    this.events.push(event);
    this.emit({ type: 'event', event });
  }

  /** A sample. */
  sample(point: SeriesPoint): void {
    this.samples.push(point);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    this.emit({ type: 'sample', point });
  }

  /** The run's status changed (the last message a stream sees is a final status). */
  setStatus(status: string, error?: string): void {
    this.status = status;
    this.emit({ type: 'status', status, at: new Date().toISOString(), ...(error ? { error } : {}) });
  }

  /** Everything so far, as the messages a new subscriber needs to catch up. */
  replay(): LiveMessage[] {
    const at = new Date().toISOString();
    return [
      ...this.lines.slice(-200).map((line): LiveMessage => ({ type: 'log', line, at })),
      ...this.steps.map((step): LiveMessage => ({ type: 'step', step })),
      ...this.events.map((event): LiveMessage => ({ type: 'event', event })),
      ...this.samples.map((point): LiveMessage => ({ type: 'sample', point })),
    ];
  }

  /** Subscribe; returns the unsubscribe function. */
  subscribe(listener: (m: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Subscribers now. */
  get subscribers(): number {
    return this.listeners.size;
  }

  private emit(m: LiveMessage): void {
    for (const l of this.listeners) l(m);
  }
}
