import { describe, expect, it } from 'vitest';
import {
  bridgeName,
  detectTwinNetwork,
  namespaceName,
  ownerOfNamespace,
  ZoneNetworks,
  zoneLinkName,
} from '../../src/twin/network.ts';

describe('twin network', () => {
  it('takes the network from TERRATOWER_TWIN_NETWORK and refuses an unknown one with the choices', () => {
    expect(detectTwinNetwork({ TERRATOWER_TWIN_NETWORK: 'loopback' })).toBe('loopback');
    expect(() => detectTwinNetwork({ TERRATOWER_TWIN_NETWORK: 'vlan' })).toThrow(
      'TERRATOWER_TWIN_NETWORK="vlan" is not a twin network: use auto, namespaces or loopback',
    );
    expect(['loopback', 'namespaces']).toContain(detectTwinNetwork({}));
  });

  it('names namespaces after the run with its own prefix, and links after the slot within the 15-character limit', () => {
    expect(namespaceName('tt-20261129-ab12', 2)).toBe('terratower-tt-20261129-ab12-z2');
    expect(ownerOfNamespace('terratower-tt-20261129-ab12-z2')).toBe('tt-20261129-ab12');
    // Only the twin's own namespaces have an owner: nuke leaves every other one alone.
    expect(ownerOfNamespace('tt-20261129-ab12-z2')).toBeUndefined();
    expect(ownerOfNamespace('someone-elses-z1')).toBeUndefined();
    expect(bridgeName(7)).toBe('ttbr7');
    expect(zoneLinkName(7, 30).length).toBeLessThanOrEqual(15);
  });

  it('puts a latency fault on both directions between the zone and every other zone, and none on the region net (S3)', () => {
    const net = new ZoneNetworks('tt-run', 1, 3);
    // slot 1: region net 198.18.32.0/24, zones 198.18.33–35.0/24
    expect(net.latencySites(1)).toEqual([
      '/run/netns/terratower-tt-run-z1=198.18.33.0/24,198.18.35.0/24',
      '/run/netns/terratower-tt-run-z0=198.18.34.0/24',
      '/run/netns/terratower-tt-run-z2=198.18.34.0/24',
    ]);
  });

  it("runs a zone member inside its zone's namespace with nsenter, which execs (same pid)", () => {
    const net = new ZoneNetworks('tt-run', 0, 3);
    expect(net.wrap(1, 'java', ['-Xmx1g', 'Main'])).toEqual({
      command: 'nsenter',
      args: ['--net=/run/netns/terratower-tt-run-z1', '--', 'java', '-Xmx1g', 'Main'],
    });
  });
});
