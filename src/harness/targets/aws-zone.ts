/**
 * Zone disruption as AWS FIS `aws:network:disrupt-connectivity` does it: a deny-all network ACL
 * in the VPC, the zone's subnets re-associated with it, the original associations remembered
 * and put back on restore.
 */
import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclCommand,
  DescribeNetworkAclsCommand,
  ReplaceNetworkAclAssociationCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { TAG_KEYS } from '../../spec/tags.ts';

/** What a disruption changed, to undo it. */
export interface ZoneDisruption {
  zone: string;
  /** The deny-all ACL. */
  denyAclId: string;
  /** Per subnet: the ACL it had, and the association id that now points at the deny ACL. */
  subnets: { subnetId: string; originalAclId: string; associationId: string }[];
}

/** Cut a zone's subnets off. */
export async function disruptZone(
  ec2: EC2Client,
  o: { vpcId: string; zone: string; subnetIds: string[]; runId: string; stackName: string },
): Promise<ZoneDisruption> {
  const created = await ec2.send(
    new CreateNetworkAclCommand({
      VpcId: o.vpcId,
      TagSpecifications: [
        {
          ResourceType: 'network-acl',
          Tags: [
            { Key: 'Name', Value: `${o.stackName}-disrupt-${o.zone}` },
            { Key: TAG_KEYS.project, Value: 'terratower' },
            { Key: TAG_KEYS.runId, Value: o.runId },
            { Key: TAG_KEYS.zone, Value: o.zone },
          ],
        },
      ],
    }),
  );
  const denyAclId = created.NetworkAcl?.NetworkAclId;
  if (!denyAclId) throw new Error('CreateNetworkAcl returned no id');
  const disruption: ZoneDisruption = { zone: o.zone, denyAclId, subnets: [] };
  try {
    // A new ACL already denies everything (its `*` rules); explicit rules make the intent visible.
    for (const egress of [false, true]) {
      await ec2.send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: denyAclId,
          RuleNumber: 100,
          Protocol: '-1',
          RuleAction: 'deny',
          Egress: egress,
          CidrBlock: '0.0.0.0/0',
        }),
      );
    }
    const acls = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: o.subnetIds }] }),
    );
    for (const subnetId of o.subnetIds) {
      const acl = acls.NetworkAcls?.find((a) => a.Associations?.some((x) => x.SubnetId === subnetId));
      const association = acl?.Associations?.find((x) => x.SubnetId === subnetId);
      if (!acl?.NetworkAclId || !association?.NetworkAclAssociationId)
        throw new Error(`subnet ${subnetId} has no network ACL association`);
      const replaced = await ec2.send(
        new ReplaceNetworkAclAssociationCommand({
          AssociationId: association.NetworkAclAssociationId,
          NetworkAclId: denyAclId,
        }),
      );
      if (!replaced.NewAssociationId)
        throw new Error(`ReplaceNetworkAclAssociation for ${subnetId} returned no association id`);
      disruption.subnets.push({ subnetId, originalAclId: acl.NetworkAclId, associationId: replaced.NewAssociationId });
    }
    return disruption;
  } catch (error) {
    await restoreZone(ec2, disruption).catch(() => undefined);
    throw error;
  }
}

/** Put every subnet back on its original ACL and delete the deny ACL. */
export async function restoreZone(ec2: EC2Client, d: ZoneDisruption): Promise<void> {
  const failures: string[] = [];
  for (const s of d.subnets) {
    try {
      await ec2.send(
        new ReplaceNetworkAclAssociationCommand({ AssociationId: s.associationId, NetworkAclId: s.originalAclId }),
      );
    } catch (error) {
      failures.push(`${s.subnetId}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0)
    throw new Error(`restoring zone ${d.zone}: ${failures.join('; ')} (deny ACL ${d.denyAclId} kept)`);
  await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: d.denyAclId }));
}
