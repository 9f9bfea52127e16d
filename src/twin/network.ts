/**
 * Real network zones for the twin. With root (and iproute2), each zone is a network namespace
 * whose veth pair joins the slot's bridge in the root namespace, where S3 and the harness live.
 * Cutting a zone sets its link down: open TCP connections across it see a partition (packets
 * vanish, as behind a deny-all network ACL) while the zone's members still reach each other.
 * Namespaces are named `terratower-<runId>-z<i>` and links carry the run id as their alias, so
 * `stopTwin` and `nuke` find them by run tag also after a SIGKILL of everything else, and never
 * touch a namespace or link that is not the twin's.
 *
 * Without root the twin uses loopback addresses and a zone disruption freezes (SIGSTOP) instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NAMESPACE_SUBNET_BITS, type TwinNetwork, zoneNet } from '../spec/addresses.ts';

/** Environment variable that picks the network: `auto` (default), `namespaces` or `loopback`. */
export const TWIN_NETWORK_ENV = 'TERRATOWER_TWIN_NETWORK';

/** Link alias prefix: `terratower-run=<runId>` marks a link as the run's. */
const LINK_TAG = 'terratower-run=';

function ip(args: string[], input?: string): string {
  return execFileSync('ip', args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input !== undefined ? { input } : {}),
  });
}

function commandExists(name: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(`${dir}/${name}`));
}

let supportProblem: string | null | undefined;

/**
 * Why this process cannot build namespace zones, or undefined when it can: root, `ip` and
 * `nsenter` present, and a throwaway namespace with a bridge and a veth pair creates (checked
 * once per process, inside the throwaway namespace so the host is never touched).
 */
export function namespaceSupportProblem(): string | undefined {
  if (supportProblem !== undefined) return supportProblem ?? undefined;
  supportProblem = null;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) supportProblem = 'this process is not root';
  else if (!commandExists('ip')) supportProblem = 'iproute2 (`ip`) is not installed';
  else if (!commandExists('nsenter')) supportProblem = '`nsenter` (util-linux) is not installed';
  else {
    const probe = `terratower-probe-${process.pid}`;
    try {
      ip(['netns', 'add', probe]);
      ip(['-n', probe, 'link', 'add', 'name', 'ttprobebr', 'type', 'bridge']);
      ip(['-n', probe, 'link', 'add', 'name', 'ttprobea', 'type', 'veth', 'peer', 'name', 'ttprobeb']);
    } catch (error) {
      supportProblem = `network namespaces cannot be built here (${firstLine(error)})`;
    } finally {
      try {
        ip(['netns', 'del', probe]);
      } catch {
        // it was never created
      }
    }
  }
  return supportProblem ?? undefined;
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(error)).trim().split('\n')[0] ?? '';
}

/**
 * The network a new twin gets: `TERRATOWER_TWIN_NETWORK` if set, else `namespaces` where this
 * process can build them (root) and `loopback` where it cannot.
 * @throws Error naming the fix when the variable is invalid, or asks for namespaces that cannot be built
 */
export function detectTwinNetwork(env: NodeJS.ProcessEnv = process.env): TwinNetwork {
  const asked = env[TWIN_NETWORK_ENV] || 'auto';
  if (asked === 'loopback') return 'loopback';
  if (asked !== 'auto' && asked !== 'namespaces')
    throw new Error(`${TWIN_NETWORK_ENV}="${asked}" is not a twin network: use auto, namespaces or loopback`);
  const problem = namespaceSupportProblem();
  if (asked === 'namespaces' && problem)
    throw new Error(
      `${TWIN_NETWORK_ENV}=namespaces, but ${problem}: run as root with iproute2, or set ${TWIN_NETWORK_ENV}=loopback`,
    );
  return problem ? 'loopback' : 'namespaces';
}

/** Prefix of every namespace the twin creates: nuke never touches a namespace without it. */
const NAMESPACE_PREFIX = 'terratower-';

/** Name of a zone's network namespace: `terratower-<runId>-z<zone index>`. */
export function namespaceName(runId: string, zoneIndex: number): string {
  return `${NAMESPACE_PREFIX}${runId}-z${zoneIndex}`;
}

/** The slot's bridge in the root namespace (link names have at most 15 characters). */
export function bridgeName(slot: number): string {
  return `ttbr${slot}`;
}

/** The root end of a zone's veth pair; the other end is `eth0` in the zone's namespace. */
export function zoneLinkName(slot: number, zoneIndex: number): string {
  return `tt${slot}z${zoneIndex}`;
}

/** One run's zone namespaces, their links and the slot's bridge. */
export class ZoneNetworks {
  constructor(
    readonly runId: string,
    readonly slot: number,
    readonly zoneCount: number,
  ) {}

  /**
   * Build the bridge (with the region's addresses, e.g. S3's) and one namespace per zone with
   * the zone's addresses on its `eth0`. A leftover bridge of this slot that a run tagged is
   * removed first: slots are exclusive, so that run is gone.
   */
  create(addressesByZone: readonly string[][], regionAddresses: readonly string[]): void {
    this.destroy();
    const bits = NAMESPACE_SUBNET_BITS;
    const bridge = bridgeName(this.slot);
    const tag = `${LINK_TAG}${this.runId}`;
    const root = [
      `link add name ${bridge} type bridge`,
      `link set dev ${bridge} alias ${tag}`,
      ...regionAddresses.map((a) => `addr add ${a}/${bits} dev ${bridge}`),
      `link set dev ${bridge} up`,
    ];
    for (let z = 0; z < this.zoneCount; z += 1) {
      const ns = namespaceName(this.runId, z);
      const link = zoneLinkName(this.slot, z);
      ip(['netns', 'add', ns]);
      root.push(
        `link add name ${link} type veth peer name eth0 netns ${ns}`,
        `link set dev ${link} alias ${tag}`,
        `link set dev ${link} master ${bridge}`,
        `link set dev ${link} up`,
      );
    }
    ip(['-batch', '-'], `${root.join('\n')}\n`);
    for (let z = 0; z < this.zoneCount; z += 1) {
      const inside = [
        'link set dev lo up',
        ...(addressesByZone[z] ?? []).map((a) => `addr add ${a}/${bits} dev eth0`),
        'link set dev eth0 up',
      ];
      ip(['-n', namespaceName(this.runId, z), '-batch', '-'], `${inside.join('\n')}\n`);
    }
  }

  /** The zone namespace's file, which `nsenter --net=` and `setns` take. */
  namespacePath(zoneIndex: number): string {
    return `/run/netns/${namespaceName(this.runId, zoneIndex)}`;
  }

  /** Command and arguments that run `command` inside the zone's namespace (same pid: nsenter execs). */
  wrap(zoneIndex: number, command: string, args: readonly string[]): { command: string; args: string[] } {
    return { command: 'nsenter', args: [`--net=${this.namespacePath(zoneIndex)}`, '--', command, ...args] };
  }

  /**
   * netdelay's `--at` arguments for a latency fault on one zone: the zone delays what arrives
   * from every other zone's /24, and every other zone delays what arrives from the zone's /24,
   * so both directions between the zone and the rest get the delay (and traffic to S3, on the
   * region net, none).
   */
  latencySites(zoneIndex: number): string[] {
    const net = (z: number): string => `${zoneNet(z, this.slot, 'namespaces')}.0/24`;
    const others = [...Array(this.zoneCount).keys()].filter((z) => z !== zoneIndex);
    return [
      `${this.namespacePath(zoneIndex)}=${others.map(net).join(',')}`,
      ...others.map((z) => `${this.namespacePath(z)}=${net(zoneIndex)}`),
    ];
  }

  /** Partition the zone: its link to the bridge goes down, so nothing crosses in either direction. */
  cut(zoneIndex: number): void {
    ip(['link', 'set', 'dev', zoneLinkName(this.slot, zoneIndex), 'down']);
  }

  /** End the partition. */
  heal(zoneIndex: number): void {
    ip(['link', 'set', 'dev', zoneLinkName(this.slot, zoneIndex), 'up']);
  }

  /** Remove the namespaces, their links and the bridge; returns what it removed. */
  destroy(): string[] {
    return removeRunNetwork(this.runId, this.slot);
  }
}

/** What of a run's network exists: its namespaces and the links tagged with its id. */
export function runNetworkParts(runId?: string): { namespaces: string[]; links: string[] } {
  if (namespaceSupportProblem()) return { namespaces: [], links: [] };
  const namespaces = listNamespaces().filter((ns) => {
    const owner = ownerOfNamespace(ns);
    return owner !== undefined && (runId === undefined || owner === runId);
  });
  const links = taggedLinks()
    .filter((l) => runId === undefined || l.runId === runId)
    .map((l) => l.name);
  return { namespaces, links };
}

/** Run id a namespace of the twin belongs to (`terratower-<runId>-z<N>`); undefined for any other namespace. */
export function ownerOfNamespace(name: string): string | undefined {
  if (!name.startsWith(NAMESPACE_PREFIX)) return undefined;
  return /^([a-z0-9][a-z0-9-]{0,39})-z\d+$/.exec(name.slice(NAMESPACE_PREFIX.length))?.[1];
}

function listNamespaces(): string[] {
  try {
    return ip(['netns', 'list'])
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Links in the root namespace whose alias carries a run id. */
export function taggedLinks(): Array<{ name: string; runId: string }> {
  let text = '';
  try {
    text = ip(['-j', 'link', 'show']);
  } catch {
    return [];
  }
  const links = JSON.parse(text || '[]') as Array<{ ifname?: string; ifalias?: string }>;
  return links
    .filter((l) => l.ifname && l.ifalias?.startsWith(LINK_TAG))
    .map((l) => ({ name: l.ifname!, runId: l.ifalias!.slice(LINK_TAG.length) }));
}

/**
 * Remove every namespace and tagged link of a run, and the slot's bridge when given and tagged by
 * any run (a slot's bridge can only be a dead run's once a new run of that slot starts; an
 * untagged one is not ours and stays). Deleting a namespace deletes its veth pair with it.
 * Returns one line per thing removed.
 */
export function removeRunNetwork(runId: string, slot?: number): string[] {
  if (namespaceSupportProblem()) return [];
  const removed: string[] = [];
  const { namespaces, links } = runNetworkParts(runId);
  for (const ns of namespaces) {
    try {
      ip(['netns', 'del', ns]);
      removed.push(`network namespace ${ns}`);
    } catch {
      // gone meanwhile
    }
  }
  const remaining = new Set(taggedLinks().map((l) => l.name));
  const slotBridge = slot !== undefined && remaining.has(bridgeName(slot)) ? [bridgeName(slot)] : [];
  for (const link of new Set([...links.filter((l) => remaining.has(l)), ...slotBridge])) {
    try {
      ip(['link', 'del', 'dev', link]);
      removed.push(`link ${link}`);
    } catch {
      // gone meanwhile (a veth end goes with its namespace)
    }
  }
  return removed;
}
