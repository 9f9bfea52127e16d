/**
 * Launch template settings every terratower instance shares: IMDSv2 required (no token-less
 * metadata access), instance tags readable from IMDS, an encrypted gp3 root volume, detailed
 * monitoring, and tags on the instance, its volumes and network interfaces.
 */
import type { LaunchTemplateConfig } from '@cdktf/provider-aws/lib/launch-template/index.js';

/** Root device of the AMIs (Amazon Linux 2023 and most current Linux AMIs). */
export const ROOT_DEVICE_NAME = '/dev/xvda';

/** The shared hardening fields of a launch template. */
export function launchTemplateHardening(
  rootVolumeSizeGiB: number,
  tags: Record<string, string>,
): Pick<
  LaunchTemplateConfig,
  'metadataOptions' | 'blockDeviceMappings' | 'monitoring' | 'tagSpecifications' | 'ebsOptimized'
> {
  return {
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: 'enabled',
    },
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE_NAME,
        ebs: { volumeSize: rootVolumeSizeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
      },
    ],
    monitoring: { enabled: true },
    ebsOptimized: 'true',
    tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({ resourceType, tags })),
  };
}
