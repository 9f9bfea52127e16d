/**
 * `PeerSecurityGroup`: a security group whose ingress rules each name a source security group
 * (peers, client fleets, the monitoring instance) — never a CIDR. Egress: anything inside the
 * VPC, and HTTPS out (AWS APIs: attach volumes, SSM, S3, CloudWatch).
 */
import { Construct } from '../cdktf.ts';
import { SecurityGroup, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule } from '../provider-aws.ts';
import { placementTags, type Placement, type StackIdentity } from './identity.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `PeerSecurityGroup`. */
export interface PeerSecurityGroupProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Security group name. */
  name: string;
  /** What the group guards, in words. */
  description: string;
  /** VPC id. */
  vpcId: string;
  /** VPC CIDR: egress inside it is open. */
  vpcCidr: string;
  /** Group the security group belongs to, for its tags. */
  placement: Placement;
}

/** A security group admitting only named source security groups. */
export class PeerSecurityGroup extends Construct {
  /** The security group. */
  readonly securityGroup: SecurityGroup;
  /** Its id. */
  readonly securityGroupId: string;
  private readonly rules = new Set<string>();
  private readonly ruleTags: Record<string, string>;

  /** @param props see `PeerSecurityGroupProps` */
  constructor(scope: Construct, id: string, props: PeerSecurityGroupProps) {
    super(scope, id);
    tagWithIdentity(this, props.identity);
    this.securityGroup = new SecurityGroup(this, 'sg', {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: placementTags(props.identity, props.name, props.placement),
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = this.securityGroup.id;
    this.ruleTags = placementTags(props.identity, props.name, props.placement);
    new VpcSecurityGroupEgressRule(this, 'egress-vpc', {
      securityGroupId: this.securityGroup.id,
      description: 'anything inside the VPC',
      ipProtocol: '-1',
      cidrIpv4: props.vpcCidr,
      tags: this.ruleTags,
    });
    new VpcSecurityGroupEgressRule(this, 'egress-https', {
      securityGroupId: this.securityGroup.id,
      description: 'HTTPS to AWS APIs (through the NAT or the S3 endpoint)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
      tags: this.ruleTags,
    });
  }

  /**
   * Admit TCP `port` from the security group `sourceId`. `label` names the source in the rule's
   * id and description (`kafka-peers`, `producers`); adding the same label and port twice is a no-op.
   */
  allowFrom(label: string, sourceId: string, port: number, description: string): void {
    const key = `${label}-${port}`;
    if (this.rules.has(key)) return;
    this.rules.add(key);
    new VpcSecurityGroupIngressRule(this, `in-${key}`, {
      securityGroupId: this.securityGroup.id,
      description,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: sourceId,
      tags: this.ruleTags,
    });
  }

  /** Admit TCP `port` from members of this same group. */
  allowPeers(port: number, description: string): void {
    this.allowFrom('self', this.securityGroup.id, port, description);
  }
}
