/**
 * User data: the bash script each instance runs at first boot. It reads its own identity from
 * the instance metadata service (IMDSv2 token), attaches a stateful member's persistent network
 * interface and data volume, writes `/etc/terratower/<role>.env` (KEY=VALUE lines, systemd
 * `EnvironmentFile` syntax) and runs `systemctl enable --now terratower-<role>.service`.
 * The AMI (packer/scripts) provides the unit, its configure script and the aws cli.
 *
 * Roles and their env files — the contract with the packer scripts:
 *
 * `producer` / `consumer` (`/etc/terratower/producer.env`, `consumer.env`): exactly the variables
 * of `producerEnv(...)` / `consumerEnv(...)` in apps/shared/config.ts. `TT_MEMBER_ID` is
 * `<group>-<instance id>` and `TT_ZONE` the instance's zone, both filled in at boot.
 *
 * `kafka` (`/etc/terratower/kafka.env`), one combined KRaft broker + controller:
 * - `TT_NODE_ID`: `node.id`, 1-based, stable across replacements.
 * - `TT_ZONE`: the member's zone; use it as `broker.rack`.
 * - `TT_ADVERTISED_HOST`: the fixed private IP of the member's persistent network interface;
 *   listen on it (client port 9092, controller port 9093) and advertise it.
 * - `TT_CONTROLLER_QUORUM`: `controller.quorum.voters`, `id@ip:9093,…` for every broker.
 * - `TT_CLUSTER_ID`: KRaft cluster id for `kafka-storage format` (22-char base64url), formatted
 *   only when the data directory holds no `meta.properties` yet (a replaced member keeps its data).
 * - `TT_DATA_DIR`: `log.dirs`, on the data volume's mount point.
 * - `TT_DATA_DEVICE`: block device of the member's persistent EBS volume, attached but not
 *   necessarily formatted or mounted: the configure script formats it when blank (never when it
 *   holds a file system) and mounts it at `TT_DATA_DIR`.
 * - `TT_REPLICATION_FACTOR`, `TT_MIN_INSYNC_REPLICAS`: defaults for topics, including the
 *   internal ones (`offsets.topic.replication.factor`, `transaction.state.log.*`).
 *
 * `cassandra` (`/etc/terratower/cassandra.env`), one node, GossipingPropertyFileSnitch:
 * - `TT_NODE_ID`: 1-based node number, stable across replacements.
 * - `TT_CLUSTER_NAME`: `cluster_name`, the same on every node.
 * - `TT_DC`: data center, the region. `TT_RACK`: rack, the zone.
 * - `TT_LISTEN_ADDRESS`: fixed private IP of the persistent network interface (`listen_address`,
 *   `rpc_address`).
 * - `TT_SEEDS`: comma-separated seed addresses (the first node of each zone, at most 3).
 * - `TT_INITIAL_TOKEN`: this node's evenly spaced Murmur3 token; use `num_tokens: 1`.
 * - `TT_DATA_DIR`, `TT_DATA_DEVICE`: as for Kafka (data, commit log, hints under `TT_DATA_DIR`).
 *
 * `monitoring` (`/etc/terratower/monitoring.env`), Prometheus + Grafana:
 * - `TT_REGION`, `TT_SCRAPE_INTERVAL_SECONDS`.
 * - `TT_DISCOVERY_TAG_KEY`, `TT_DISCOVERY_TAG_VALUE`: EC2 service discovery filter (the stack tag).
 * - `TT_GROUP_TAG_KEY`: tag that names an instance's group (use it as a Prometheus label).
 * - `TT_APP_PORT`, `TT_NODE_EXPORTER_PORT`, `TT_JMX_EXPORTER_PORT`: ports to scrape.
 *
 * Every instance logs the script to `/var/log/terratower-user-data.log`. The script avoids the
 * `${` and `%{` sequences, which Terraform would read as interpolation.
 */
import { createHash } from 'node:crypto';
import { consumerEnv, producerEnv } from '../../../apps/shared/config.ts';
import { PORTS } from '../../spec/ports.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { clusterMembers, consumerGroupId, murmur3Tokens, type ClusterMember } from '../../spec/derive.ts';
import type { PipelineSpec } from '../../spec/types.ts';

/** What an instance runs; names the AMI, the env file and the systemd unit. */
export type InstanceRole = 'producer' | 'consumer' | 'kafka' | 'cassandra' | 'monitoring';

/** Placeholder in env values replaced at boot by the instance id. */
export const INSTANCE_ID_PLACEHOLDER = '@INSTANCE_ID@';
/** Placeholder in env values replaced at boot by the instance's zone. */
export const ZONE_PLACEHOLDER = '@ZONE@';
/** Placeholder in env values replaced at boot by the resolved data device path. */
export const DATA_DEVICE_PLACEHOLDER = '@DATA_DEVICE@';

/** Device name the data volume is attached as (`/dev/nvme*n1` on Nitro instances, found by serial). */
export const DATA_VOLUME_DEVICE_NAME = '/dev/sdf';

/** A stateful member's persistent parts, attached at boot. */
export interface PersistentAttachments {
  /** Id of the member's network interface (`eni-…`), or a Terraform reference to it. */
  networkInterfaceId: string;
  /** Its fixed private IP: the script waits until the address is up. */
  privateIp: string;
  /** Id of the member's EBS data volume (`vol-…`), or a Terraform reference to it. */
  volumeId: string;
}

/** Input to `renderUserData`. */
export interface UserDataOptions {
  /** What the instance runs. */
  role: InstanceRole;
  /** Region, for the aws cli. */
  region: string;
  /** Env file content; values may hold the `@…@` placeholders above. */
  env: Record<string, string>;
  /** Persistent network interface and volume to attach first (stateful members only). */
  attach?: PersistentAttachments;
  /**
   * Report the member Unhealthy to its Auto Scaling group when this local URL (the app's
   * `/healthz`) fails `failures` times in a row, `intervalSeconds` apart: the group replaces a
   * hung process, not only a dead instance. @default none (EC2 status checks only)
   */
  healthCheck?: { url: string; intervalSeconds?: number; failures?: number };
}

function healthReporterScript(region: string, h: NonNullable<UserDataOptions['healthCheck']>): string {
  const interval = h.intervalSeconds ?? 15;
  const failures = h.failures ?? 3;
  return `
# Health beyond EC2 status: a failing ${h.url} reports the member Unhealthy to its group.
echo "$INSTANCE_ID" >/etc/terratower/instance-id
cat >/usr/local/bin/terratower-health <<'TERRATOWER_HEALTH'
#!/bin/bash
set -u
INSTANCE_ID=$(cat /etc/terratower/instance-id)
fails=0
while sleep ${interval}; do
  if curl -fsS -m 5 -o /dev/null "${h.url}"; then fails=0; else fails=$((fails + 1)); fi
  if [ "$fails" -ge ${failures} ]; then
    echo "health check failed $fails times: reporting $INSTANCE_ID unhealthy"
    aws autoscaling set-instance-health --region ${region} --instance-id "$INSTANCE_ID" --health-status Unhealthy --should-respect-grace-period && exit 0
  fi
done
TERRATOWER_HEALTH
chmod 0755 /usr/local/bin/terratower-health
cat >/etc/systemd/system/terratower-health.service <<'TERRATOWER_UNIT'
[Unit]
Description=terratower: report a failing health check to Auto Scaling
After=network-online.target

[Service]
ExecStart=/usr/local/bin/terratower-health
Restart=on-failure

[Install]
WantedBy=multi-user.target
TERRATOWER_UNIT
`;
}

/** `KEY=VALUE` lines; rejects keys and values that an env file cannot carry. */
export function renderEnvFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`env key "${key}" is not a shell variable name`);
      if (/[\n\r"'\\$`]/.test(value))
        throw new Error(`env value of ${key} holds a character the env file cannot carry: ${JSON.stringify(value)}`);
      return `${key}=${value}\n`;
    })
    .join('');
}

const PREAMBLE = `#!/bin/bash
# terratower user data (src/aws/constructs/user-data.ts)
set -euo pipefail
exec >>/var/log/terratower-user-data.log 2>&1
echo "terratower user data start $(date -u +%FT%TZ)"
IMDS=http://169.254.169.254/latest
TOKEN=$(curl -sS --retry 10 -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
imds() { curl -sS --retry 10 -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/$1"; }
INSTANCE_ID=$(imds instance-id)
ZONE=$(imds placement/availability-zone)
DATA_DEVICE=none
`;

function attachScript(region: string, a: PersistentAttachments): string {
  return `
# Persistent identity: the member's network interface (fixed IP) and data volume. The previous
# incarnation may still hold them while it terminates, so retry for up to 15 minutes.
ENI_ID="${a.networkInterfaceId}"
VOLUME_ID="${a.volumeId}"
FIXED_IP="${a.privateIp}"
retry() { for attempt in $(seq 1 90); do if "$@"; then return 0; fi; echo "retry $attempt: $*"; sleep 10; done; return 1; }
retry aws ec2 attach-network-interface --region ${region} --network-interface-id "$ENI_ID" --instance-id "$INSTANCE_ID" --device-index 1
retry aws ec2 attach-volume --region ${region} --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" --device ${DATA_VOLUME_DEVICE_NAME}
VOLUME_SERIAL=$(echo "$VOLUME_ID" | tr -d '-')
for attempt in $(seq 1 150); do
  for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$VOLUME_SERIAL" /dev/xvdf ${DATA_VOLUME_DEVICE_NAME}; do
    if [ -b "$candidate" ]; then DATA_DEVICE=$(readlink -f "$candidate"); break 2; fi
  done
  sleep 2
done
if [ "$DATA_DEVICE" = none ]; then echo "data volume $VOLUME_ID never appeared"; exit 1; fi
for attempt in $(seq 1 150); do
  if ip -o -4 addr show | grep -q " $FIXED_IP/"; then break; fi
  sleep 2
done
ip -o -4 addr show | grep -q " $FIXED_IP/" || { echo "address $FIXED_IP never came up"; exit 1; }
`;
}

/**
 * The whole user-data script for one instance (plain text; the launch template base64-encodes
 * it). Values are written with a quoted here-document, so nothing in them is expanded by bash.
 */
export function renderUserData(options: UserDataOptions): string {
  const { role, region, env, attach, healthCheck } = options;
  const file = `/etc/terratower/${role}.env`;
  return (
    PREAMBLE +
    (attach ? attachScript(region, attach) : '') +
    `
mkdir -p /etc/terratower
` +
    (healthCheck ? healthReporterScript(region, healthCheck) : '') +
    `
cat >${file}.tmp <<'TERRATOWER_ENV'
${renderEnvFile(env)}TERRATOWER_ENV
sed -i -e "s|${INSTANCE_ID_PLACEHOLDER}|$INSTANCE_ID|g" -e "s|${ZONE_PLACEHOLDER}|$ZONE|g" -e "s|${DATA_DEVICE_PLACEHOLDER}|$DATA_DEVICE|g" ${file}.tmp
chmod 0640 ${file}.tmp
mv ${file}.tmp ${file}
systemctl daemon-reload
systemctl enable --now terratower-${role}.service
${healthCheck ? 'systemctl enable --now terratower-health.service\n' : ''}echo "terratower user data done $(date -u +%FT%TZ)"
`
  );
}

/** Data directories on the members' data volumes. */
export const DATA_DIRS = { kafka: '/var/lib/kafka', cassandra: '/var/lib/cassandra' } as const;

/**
 * A deterministic KRaft cluster id for a stack: 16 bytes from the stack name and run id,
 * base64url without padding (22 characters), as `kafka-storage random-uuid` prints.
 */
export function kafkaClusterId(stackName: string, runId: string): string {
  return createHash('sha256').update(`${stackName}/${runId}`).digest().subarray(0, 16).toString('base64url');
}

/** Environment of Kafka member `member` (see the file comment for each variable). */
export function kafkaMemberEnv(spec: PipelineSpec, member: ClusterMember, clusterId: string): Record<string, string> {
  const quorum = clusterMembers(spec, 'kafka')
    .map((m) => `${m.nodeId}@${m.privateIp}:${PORTS.kafkaController}`)
    .join(',');
  return {
    TT_NODE_ID: String(member.nodeId),
    TT_ZONE: member.zone,
    TT_ADVERTISED_HOST: member.privateIp,
    TT_CONTROLLER_QUORUM: quorum,
    TT_CLUSTER_ID: clusterId,
    TT_DATA_DIR: `${DATA_DIRS.kafka}/data`,
    TT_DATA_DEVICE: DATA_DEVICE_PLACEHOLDER,
    TT_REPLICATION_FACTOR: String(spec.kafka.replicationFactor),
    TT_MIN_INSYNC_REPLICAS: String(spec.kafka.minInSyncReplicas),
  };
}

/** Seed addresses: the first node of each zone, at most three. */
export function cassandraSeeds(spec: PipelineSpec): string[] {
  return clusterMembers(spec, 'cassandra')
    .filter((m) => m.ordinalInZone === 0)
    .slice(0, 3)
    .map((m) => m.privateIp);
}

/** Environment of Cassandra member `member` (see the file comment for each variable). */
export function cassandraMemberEnv(
  spec: PipelineSpec,
  member: ClusterMember,
  clusterName: string,
): Record<string, string> {
  return {
    TT_NODE_ID: String(member.nodeId),
    TT_CLUSTER_NAME: clusterName,
    TT_DC: spec.region,
    TT_RACK: member.zone,
    TT_LISTEN_ADDRESS: member.privateIp,
    TT_SEEDS: cassandraSeeds(spec).join(','),
    TT_INITIAL_TOKEN: murmur3Tokens(spec.cassandra.nodes)[member.index]!,
    TT_DATA_DIR: DATA_DIRS.cassandra,
    TT_DATA_DEVICE: DATA_DEVICE_PLACEHOLDER,
  };
}

/** Environment of the monitoring instance (see the file comment for each variable). */
export function monitoringEnv(spec: PipelineSpec, stackName: string): Record<string, string> {
  return {
    TT_REGION: spec.region,
    TT_SCRAPE_INTERVAL_SECONDS: String(spec.monitoring.scrapeIntervalSeconds),
    TT_DISCOVERY_TAG_KEY: TAG_KEYS.stack,
    TT_DISCOVERY_TAG_VALUE: stackName,
    TT_GROUP_TAG_KEY: TAG_KEYS.group,
    TT_APP_PORT: String(PORTS.appHttp),
    TT_NODE_EXPORTER_PORT: String(PORTS.nodeExporter),
    TT_JMX_EXPORTER_PORT: String(PORTS.jmxExporter),
  };
}

/** Kafka bootstrap servers, `ip:9092` for every broker's fixed address. */
export function kafkaBootstrapServers(spec: PipelineSpec): string[] {
  return clusterMembers(spec, 'kafka').map((m) => `${m.privateIp}:${PORTS.kafkaClient}`);
}

/** Cassandra contact points, `ip:9042` for every node's fixed address. */
export function cassandraContactPoints(spec: PipelineSpec): string[] {
  return clusterMembers(spec, 'cassandra').map((m) => `${m.privateIp}:${PORTS.cassandraCql}`);
}

/**
 * Env file of a producer instance: exactly `producerEnv(...)`, with the member id and zone
 * filled in at boot. Starts unthrottled (`TT_RATE=0`); the harness sets the rate over `/admin`.
 */
export function producerFleetEnv(spec: PipelineSpec): Record<string, string> {
  return producerEnv({
    memberId: `producers-${INSTANCE_ID_PLACEHOLDER}`,
    zone: ZONE_PLACEHOLDER,
    kafkaBrokers: kafkaBootstrapServers(spec),
    topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic,
    httpHost: '0.0.0.0',
    httpPort: PORTS.appHttp,
    ...(spec.dataset.schema ? { schema: spec.dataset.schema } : {}),
    s3Endpoint: '',
    region: spec.region,
    bucket: spec.dataset.bucket,
    prefix: spec.dataset.prefix,
    ratePerSecond: 0,
  });
}

/** Env file of a consumer instance: exactly `consumerEnv(...)`, member id and zone filled in at boot. */
export function consumerFleetEnv(spec: PipelineSpec): Record<string, string> {
  return consumerEnv({
    memberId: `consumers-${INSTANCE_ID_PLACEHOLDER}`,
    zone: ZONE_PLACEHOLDER,
    kafkaBrokers: kafkaBootstrapServers(spec),
    topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic,
    httpHost: '0.0.0.0',
    httpPort: PORTS.appHttp,
    ...(spec.dataset.schema ? { schema: spec.dataset.schema } : {}),
    groupId: consumerGroupId(spec),
    cassandraContactPoints: cassandraContactPoints(spec),
    cassandraDataCenter: spec.region,
    keyspace: spec.cassandra.keyspace,
    table: spec.cassandra.table,
    consistency: spec.cassandra.consistency,
  });
}
