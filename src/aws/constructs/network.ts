/**
 * `Network`: a VPC with one public and one private subnet per zone, an internet gateway, NAT
 * gateway(s) — one for the VPC or one per zone — route tables, an S3 gateway endpoint (dataset
 * reads skip the NAT) and a default security group that admits nothing.
 */
import { Construct } from '../cdktf.ts';
import {
  DefaultSecurityGroup,
  Eip,
  InternetGateway,
  NatGateway,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
  VpcSecurityGroupIngressRule,
} from '../provider-aws.ts';
import { namePrefix, placementTags, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';
import { VpcFlowLogs } from './vpc-flow-logs.ts';

/** Interface endpoints a terratower VPC gets by default (see `NetworkProps.interfaceEndpoints`). */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = ['ec2', 'ssm', 'ssmmessages', 'monitoring', 'logs'];

/** Props of `Network`. */
export interface NetworkProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** VPC CIDR block. */
  vpcCidr: string;
  /** Availability zones, in order. */
  zones: string[];
  /** One public subnet CIDR per zone, in zone order. */
  publicSubnetCidrs: string[];
  /** One private subnet CIDR per zone, in zone order. */
  privateSubnetCidrs: string[];
  /**
   * `single`: one NAT gateway in the first zone (cheaper; private subnets lose egress with that
   * zone). `perZone`: one per zone, each zone routes through its own.
   * @default 'single'
   */
  natGateways?: 'single' | 'perZone';
  /** Add an S3 gateway endpoint to the private route tables. @default true */
  s3Endpoint?: boolean;
  /**
   * Interface endpoints (PrivateLink) in the private subnets, by service name, so members keep
   * reaching these AWS APIs with the NAT of a lost zone gone: a replacement member attaches its
   * volume (ec2), Session Manager and Run Command reach it (ssm, ssmmessages), the lag metric and
   * logs flow (monitoring, logs). `[]` for none.
   * @default DEFAULT_INTERFACE_ENDPOINTS
   */
  interfaceEndpoints?: readonly string[];
  /** Log the VPC's traffic to CloudWatch Logs (see `VpcFlowLogs`). @default false */
  flowLogs?: boolean;
  /** KMS key (ARN) encrypting the flow-log group. @default CloudWatch Logs' own encryption */
  flowLogsKmsKeyArn?: string;
  /** Days flow-log records are kept. @default 14 */
  flowLogRetentionDays?: number;
}

/** The VPC and its subnets. */
export class Network extends Construct {
  /** The VPC. */
  readonly vpc: Vpc;
  /** VPC id. */
  readonly vpcId: string;
  /** VPC CIDR block. */
  readonly vpcCidr: string;
  /** Zones, in order. */
  readonly zones: readonly string[];
  /** Public subnets, in zone order. */
  readonly publicSubnets: readonly Subnet[];
  /** Private subnets, in zone order. */
  readonly privateSubnets: readonly Subnet[];
  /** NAT gateways (one, or one per zone). */
  readonly natGateways: readonly NatGateway[];
  /** Flow logs, when `flowLogs` is set. */
  readonly flowLogs?: VpcFlowLogs;
  /** Interface endpoints by service name (`ec2`, `ssm`, …). */
  readonly interfaceEndpoints: Readonly<Record<string, VpcEndpoint>>;

  /** @param props see `NetworkProps` */
  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { identity, zones } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`Network "${id}"`);
    if (zones.length === 0) check.fail('zones', zones, 'at least one availability zone');
    if (props.publicSubnetCidrs.length !== zones.length)
      check.fail('publicSubnetCidrs', props.publicSubnetCidrs, `one CIDR per zone (${zones.length})`);
    if (props.privateSubnetCidrs.length !== zones.length)
      check.fail('privateSubnetCidrs', props.privateSubnetCidrs, `one CIDR per zone (${zones.length})`);
    const prefix = namePrefix(identity);
    const group = { group: 'network' };
    this.zones = [...zones];
    this.vpcCidr = props.vpcCidr;
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: placementTags(identity, `${prefix}-vpc`, group),
    });
    this.vpcId = this.vpc.id;
    new DefaultSecurityGroup(this, 'default-sg', {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: placementTags(identity, `${prefix}-default-deny`, group),
    });
    const igw = new InternetGateway(this, 'igw', {
      vpcId: this.vpc.id,
      tags: placementTags(identity, `${prefix}-igw`, group),
    });

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: placementTags(identity, `${prefix}-public`, group),
    });
    this.publicSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: props.publicSubnetCidrs[i]!,
        mapPublicIpOnLaunch: false,
        tags: {
          ...placementTags(identity, `${prefix}-public-${zone}`, { group: 'network', zone }),
          'terratower:tier': 'public',
        },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });

    const natZones = (props.natGateways ?? 'single') === 'perZone' ? zones.map((_, i) => i) : [0];
    this.natGateways = natZones.map((zi) => {
      const zone = zones[zi]!;
      const eip = new Eip(this, `nat-eip-${zi}`, {
        domain: 'vpc',
        tags: placementTags(identity, `${prefix}-nat-${zone}`, { group: 'network', zone }),
        dependsOn: [igw],
      });
      return new NatGateway(this, `nat-${zi}`, {
        allocationId: eip.id,
        subnetId: this.publicSubnets[zi]!.id,
        tags: placementTags(identity, `${prefix}-nat-${zone}`, { group: 'network', zone }),
        dependsOn: [igw],
      });
    });

    const privateRouteTables: RouteTable[] = [];
    this.privateSubnets = zones.map((zone, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: props.privateSubnetCidrs[i]!,
        mapPublicIpOnLaunch: false,
        tags: {
          ...placementTags(identity, `${prefix}-private-${zone}`, { group: 'network', zone }),
          'terratower:tier': 'private',
        },
      });
      const nat = this.natGateways.length > 1 ? this.natGateways[i]! : this.natGateways[0]!;
      const routes = new RouteTable(this, `private-${i}-routes`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: placementTags(identity, `${prefix}-private-${zone}`, { group: 'network', zone }),
      });
      new RouteTableAssociation(this, `private-${i}-assoc`, { subnetId: subnet.id, routeTableId: routes.id });
      privateRouteTables.push(routes);
      return subnet;
    });

    if (props.flowLogs) {
      this.flowLogs = new VpcFlowLogs(this, 'flow-logs', {
        identity,
        vpcId: this.vpc.id,
        retentionDays: props.flowLogRetentionDays,
        ...(props.flowLogsKmsKeyArn ? { kmsKeyArn: props.flowLogsKmsKeyArn } : {}),
      });
    }

    const services = props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS;
    const endpoints: Record<string, VpcEndpoint> = {};
    if (services.length > 0) {
      const endpointSg = new SecurityGroup(this, 'endpoints-sg', {
        name: `${prefix}-endpoints`,
        description: `interface endpoints of ${prefix}: HTTPS from inside the VPC`,
        vpcId: this.vpc.id,
        tags: placementTags(identity, `${prefix}-endpoints`, group),
      });
      new VpcSecurityGroupIngressRule(this, 'endpoints-https', {
        securityGroupId: endpointSg.id,
        description: 'HTTPS to the AWS APIs from inside the VPC',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.vpcCidr,
        tags: placementTags(identity, `${prefix}-endpoints`, group),
      });
      for (const service of services) {
        endpoints[service] = new VpcEndpoint(this, `endpoint-${service}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${identity.region}.${service}`,
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: this.privateSubnets.map((s) => s.id),
          securityGroupIds: [endpointSg.id],
          tags: placementTags(identity, `${prefix}-${service}`, group),
        });
      }
    }
    this.interfaceEndpoints = endpoints;

    if (props.s3Endpoint ?? true) {
      new VpcEndpoint(this, 's3-endpoint', {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${identity.region}.s3`,
        vpcEndpointType: 'Gateway',
        routeTableIds: privateRouteTables.map((t) => t.id),
        tags: placementTags(identity, `${prefix}-s3`, group),
      });
    }
  }

  /** Private subnet ids, in zone order. */
  get privateSubnetIds(): string[] {
    return this.privateSubnets.map((s) => s.id);
  }

  /** Public subnet ids, in zone order. */
  get publicSubnetIds(): string[] {
    return this.publicSubnets.map((s) => s.id);
  }

  /** The private subnet of `zone`. */
  privateSubnetIn(zone: string): Subnet {
    const i = this.zones.indexOf(zone);
    if (i < 0) throw new Error(`Network: zone ${zone} is not one of ${this.zones.join(', ')}`);
    return this.privateSubnets[i]!;
  }
}
