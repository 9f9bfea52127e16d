/** A typed client for a running twin's control API (see daemon/server.ts). */
import type { GroupName } from '../spec/index.ts';
import type { PipelineEndpoints, ScalingActivity, ZoneLatency } from '../model/target.ts';
import type { TwinStatus, ZoneDisruption } from './daemon/twin.ts';
import { readControlInfo } from './run-files.ts';

export type {
  BootTimeline,
  TwinStatus,
  TwinMemberState,
  ZoneCondition,
  ZoneDisruption,
  TwinPhase,
} from './daemon/twin.ts';

/** Which members to kill and how. */
export interface KillOptions {
  /** Kill this many running members, chosen at random. */
  count?: number;
  /** Kill exactly these members. */
  ids?: string[];
  /** SIGKILL (crash, the default) or SIGTERM (graceful stop). */
  signal?: 'SIGKILL' | 'SIGTERM';
}

/** Client of one twin's control API. */
export class TwinClient {
  /** @param baseUrl the control URL, e.g. `http://127.0.0.1:40123` (run dir's control.json). */
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** The client of a run by its id (reads control.json from its run dir). */
  static forRun(runId: string): TwinClient {
    const control = readControlInfo(runId);
    if (!control)
      throw new Error(`run ${runId} has no control API (no control.json): is it up? See \`terratower local status\``);
    return new TwinClient(control.url);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) {
      const message =
        typeof json === 'object' && json !== null && 'error' in json
          ? String((json as { error: unknown }).error)
          : res.statusText;
      throw new Error(`twin ${method} ${path}: ${message}`);
    }
    return json as T;
  }

  /** Phase, zones, groups with their members, metrics and recent activities. */
  status(): Promise<TwinStatus> {
    return this.call('GET', '/status');
  }

  /** Where the twin's parts answer. */
  endpoints(): Promise<PipelineEndpoints> {
    return this.call('GET', '/endpoints');
  }

  /** Scaling activities, optionally only those at or after `since`. */
  activities(since?: Date | string): Promise<ScalingActivity[]> {
    const q =
      since === undefined
        ? ''
        : `?since=${encodeURIComponent(typeof since === 'string' ? since : since.toISOString())}`;
    return this.call('GET', `/activities${q}`);
  }

  /** Set an app group's desired capacity (within its min and max). */
  async setDesired(group: GroupName, desired: number): Promise<void> {
    await this.call('POST', `/groups/${group}/desired`, { desired });
  }

  /** Kill or stop members of a group; returns the ids hit. */
  async killMembers(group: GroupName, options: KillOptions = {}): Promise<string[]> {
    return (await this.call<{ killed: string[] }>('POST', `/groups/${group}/kill`, options)).killed;
  }

  /**
   * Disrupt a zone the strongest way the twin can: cut its network (namespaces) or freeze its
   * processes (loopback). Returns the zone's members and which method ran; undo with `thawZone`.
   */
  async disruptZone(zone: string): Promise<ZoneDisruption> {
    return this.call<ZoneDisruption>('POST', `/zones/${encodeURIComponent(zone)}/disrupt`);
  }

  /** SIGSTOP every member of a zone; returns the member ids frozen. */
  async freezeZone(zone: string): Promise<string[]> {
    return (await this.call<{ members: string[] }>('POST', `/zones/${encodeURIComponent(zone)}/freeze`)).members;
  }

  /**
   * Delay and loss between a zone and the others for `latency.seconds` (namespace zones only);
   * resolves once the fault is in place, with how it is done and the delayer's pid.
   */
  async zoneLatency(zone: string, latency: ZoneLatency): Promise<{ method: string; pid: number }> {
    return this.call('POST', `/zones/${encodeURIComponent(zone)}/latency`, { ...latency });
  }

  /** End a zone outage (cut, frozen or killed): links up, SIGCONT, and stateful members of a killed zone come back; ends a latency fault too. */
  async thawZone(zone: string): Promise<string[]> {
    return (await this.call<{ members: string[] }>('POST', `/zones/${encodeURIComponent(zone)}/thaw`)).members;
  }

  /** SIGKILL every member of a zone (power loss); undo with `thawZone`. */
  async killZone(zone: string): Promise<string[]> {
    return (await this.call<{ members: string[] }>('POST', `/zones/${encodeURIComponent(zone)}/kill`)).members;
  }

  /** Burn a core for `seconds`, counted as the member's CPU. Returns the stress process pid. */
  async stressCpu(memberId: string, seconds: number): Promise<number> {
    return (await this.call<{ pid: number }>('POST', `/members/${encodeURIComponent(memberId)}/stress`, { seconds }))
      .pid;
  }

  /** Ask the daemon to tear the twin down (it exits when done). Prefer `stopTwin`, which also verifies. */
  async shutdown(): Promise<void> {
    await this.call('POST', '/shutdown');
  }
}
