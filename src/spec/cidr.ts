/** IPv4 CIDR arithmetic for the network layout: parse, contain, overlap, pick a host address. */

/** A parsed IPv4 CIDR block. */
export interface Ipv4Cidr {
  /** The block as written, e.g. `10.40.0.0/16`. */
  text: string;
  /** First address as an unsigned 32-bit integer. */
  network: number;
  /** Prefix length, 0–32. */
  prefix: number;
  /** Number of addresses in the block (2^(32 − prefix)). */
  size: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parse `a.b.c.d/n`. Returns a reason string instead when the text is not a valid block (bad
 * octet, prefix above 32, or host bits set — `10.0.0.1/16` should be written `10.0.0.0/16`).
 */
export function parseCidr(text: string): Ipv4Cidr | string {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return `"${text}" is not an IPv4 CIDR block like 10.40.0.0/16`;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefix > 32) return `"${text}" has a prefix length above 32`;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address) {
    return `"${text}" has host bits set; write it as ${formatIpv4(network)}/${prefix}`;
  }
  return { text, network, prefix, size };
}

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.network >= outer.network && inner.network + inner.size <= outer.network + outer.size;
}

/** Whether two blocks share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** The address `offset` positions into the block (offset 0 is the network address). */
export function hostAddress(block: Ipv4Cidr, offset: number): string {
  if (offset < 0 || offset >= block.size) {
    throw new RangeError(`offset ${offset} is outside ${block.text} (${block.size} addresses)`);
  }
  return formatIpv4(block.network + offset);
}
