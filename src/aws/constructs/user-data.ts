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
 * Optional parts, each off unless its option is given: credentials and certificates read at boot
 * from Secrets Manager through the instance role (`secrets`: values appended to the env file and
 * substituted for `@NAME@` in `files`), extra files (`files`, e.g. Kafka's listener overrides),
 * small services and timers (`services`, e.g. the brokers' under-replicated-partitions
 * publisher), and a log shipper (`logShipping`) that sends this script's log and cloud-init's
 * output to a CloudWatch Logs group with `aws logs put-log-events`.
 *
 * Every instance logs the script to `/var/log/terratower-user-data.log`. The script avoids the
 * `${` and `%{` sequences, which Terraform would read as interpolation.
 */
import { createHash } from 'node:crypto';
import { consumerEnv, producerEnv } from '../../../apps/shared/config.ts';
import { PORTS } from '../../spec/ports.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { clusterMembers, consumerGroupId, murmur3Tokens, type ClusterMember } from '../../spec/derive.ts';
import { PIPELINE_HEALTH_METRICS } from '../../spec/ports.ts';
import type { CassandraSecuritySpec, KafkaSecuritySpec, PipelineSpec } from '../../spec/types.ts';

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
  healthCheck?: {
    url: string;
    intervalSeconds?: number;
    failures?: number;
    /** Publish 1 to this CloudWatch metric each time the member reports itself Unhealthy. */
    metric?: { namespace: string; name: string; dimensions: Record<string, string> };
  };
  /** Values read at boot from Secrets Manager secrets (JSON) through the instance role. */
  secrets?: BootSecret[];
  /** Files written before the env file; `@NAME@` is replaced by the secret value of env `NAME`. */
  files?: BootFile[];
  /** Services (or timers) installed and started after the role's own unit. */
  services?: BootService[];
  /** Ship the user-data log and cloud-init's output to this CloudWatch Logs group. */
  logShipping?: { logGroupName: string };
}

/** Values of one Secrets Manager secret (its SecretString is JSON) read at boot. */
export interface BootSecret {
  /** Secret ARN, or a Terraform reference to it. */
  secretArn: string;
  /**
   * Env variable → JSON field: the value is appended to the env file (and replaces `@NAME@` in
   * `files`). Values must be letters, digits, `.`, `_`, `-` (the script refuses others).
   */
  env?: Record<string, string>;
  /**
   * Absolute file path → JSON field (PEM), or several fields comma-separated (written one after
   * the other, e.g. `privateKey,certificate` for a PEM key store): 0640, group `terratower`.
   */
  files?: Record<string, string>;
}

/** A file user data writes (quoted here-document: nothing in it is expanded by bash). */
export interface BootFile {
  /** Absolute path. */
  path: string;
  /** Content. */
  content: string;
}

/** A small service user data installs: a script run by a systemd unit, or by a timer. */
export interface BootService {
  /** Unit name after `terratower-`, e.g. `urp`. */
  name: string;
  /** What it does, for the unit's Description. */
  description: string;
  /** The bash script (installed as `/usr/local/bin/terratower-<name>`). */
  script: string;
  /** Run every this many seconds by a timer (first run 2 minutes after boot); omit for a long-running service. */
  everySeconds?: number;
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
${
  h.metric
    ? `    aws cloudwatch put-metric-data --region ${region} --namespace ${h.metric.namespace} --metric-name ${h.metric.name} --dimensions ${Object.entries(
        h.metric.dimensions,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(',')} --value 1 --unit Count || true
`
    : ''
}    aws autoscaling set-instance-health --region ${region} --instance-id "$INSTANCE_ID" --health-status Unhealthy --should-respect-grace-period && exit 0
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
retry() { for attempt in $(seq 1 90); do if "$@"; then return 0; fi; echo "retry $attempt: $*" >&2; sleep 10; done; return 1; }
`;

function attachScript(region: string, a: PersistentAttachments): string {
  return `
# Persistent identity: the member's network interface (fixed IP) and data volume. The previous
# incarnation may still hold them while it terminates, so retry for up to 15 minutes.
ENI_ID="${a.networkInterfaceId}"
VOLUME_ID="${a.volumeId}"
FIXED_IP="${a.privateIp}"
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

/** Files the log shipper sends, each to stream `<instance id>/<name>`. */
export const SHIPPED_LOGS = {
  'user-data': '/var/log/terratower-user-data.log',
  'cloud-init-output': '/var/log/cloud-init-output.log',
} as const;

/**
 * The log shipper: every 10 s, what each shipped file gained since the last run (at most 256 KiB
 * at a time) goes to CloudWatch Logs as one `put-log-events` batch; the offset advances only when
 * the batch was accepted. Installed first, so a script that fails later is still shipped.
 */
function logShipperScript(region: string, logGroupName: string): string {
  const files = Object.entries(SHIPPED_LOGS)
    .map(([stream, path]) => `${stream}=${path}`)
    .join(' ');
  return `
# User-data and cloud-init output to CloudWatch Logs (${logGroupName}).
mkdir -p /etc/terratower /var/lib/terratower/logship
echo "$INSTANCE_ID" >/etc/terratower/instance-id
cat >/usr/local/bin/terratower-logship <<'TERRATOWER_LOGSHIP'
#!/bin/bash
set -u
GROUP='${logGroupName}'
INSTANCE_ID=$(cat /etc/terratower/instance-id)
STATE=/var/lib/terratower/logship
while true; do
  for entry in ${files}; do
    stream="$INSTANCE_ID/$(echo "$entry" | cut -d= -f1)"
    file=$(echo "$entry" | cut -d= -f2)
    [ -f "$file" ] || continue
    if [ ! -f "$STATE/$(basename "$file").stream" ]; then
      aws logs create-log-stream --region ${region} --log-group-name "$GROUP" --log-stream-name "$stream" 2>/dev/null || true
      touch "$STATE/$(basename "$file").stream"
    fi
    offset=$(cat "$STATE/$(basename "$file").offset" 2>/dev/null || echo 0)
    size=$(stat -c %s "$file")
    [ "$size" -gt "$offset" ] || continue
    chunk=$((size - offset)); [ "$chunk" -le 262144 ] || chunk=262144
    now=$(date +%s%3N)
    tail -c +$((offset + 1)) "$file" | head -c "$chunk" >"$STATE/chunk"
    jq -R -s --argjson ts "$now" 'split("\\n") | map(select(length > 0)) | map({timestamp: $ts, message: .})' "$STATE/chunk" >"$STATE/batch.json"
    if [ "$(jq length "$STATE/batch.json")" -eq 0 ] || aws logs put-log-events --region ${region} --log-group-name "$GROUP" --log-stream-name "$stream" --log-events "file://$STATE/batch.json" >/dev/null; then
      echo $((offset + chunk)) >"$STATE/$(basename "$file").offset"
    fi
  done
  sleep 10
done
TERRATOWER_LOGSHIP
chmod 0755 /usr/local/bin/terratower-logship
cat >/etc/systemd/system/terratower-logship.service <<'TERRATOWER_UNIT'
[Unit]
Description=terratower: user-data and cloud-init output to CloudWatch Logs
After=network-online.target

[Service]
ExecStart=/usr/local/bin/terratower-logship
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
TERRATOWER_UNIT
systemctl daemon-reload
systemctl enable --now terratower-logship.service || echo "log shipper did not start"
`;
}

const SAFE_FILE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const SAFE_NAME = /^[a-z][a-z0-9-]*$/;

/** Read each secret once (retrying), append its env values, write its files, fill `@NAME@` in `files`. */
function secretsScript(region: string, secrets: BootSecret[], envFile: string, files: BootFile[]): string {
  let out = `
# Credentials and certificates from Secrets Manager, through the instance role.
secret_json() { aws secretsmanager get-secret-value --region ${region} --secret-id "$1" --query SecretString --output text; }
secret_field() { printf '%s' "$1" | jq -er --arg f "$2" '.[$f]'; }
install -d -m 0750 /etc/terratower/tls
if getent group terratower >/dev/null; then chgrp terratower /etc/terratower/tls; fi
`;
  secrets.forEach((secret, i) => {
    const v = `SECRET_${i + 1}`;
    out += `${v}=$(retry secret_json "${secret.secretArn}")
`;
    for (const [name, field] of Object.entries(secret.env ?? {})) {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`secret env key "${name}" is not a shell variable name`);
      if (!/^[A-Za-z0-9_]+$/.test(field)) throw new Error(`secret field "${field}" must be letters, digits, _`);
      out += `${name}=$(secret_field "$${v}" ${field})
case "$${name}" in *[!A-Za-z0-9._-]*) echo "${name}: the secret's ${field} holds characters an env file cannot carry"; exit 1 ;; esac
printf '%s=%s\\n' ${name} "$${name}" >>${envFile}.tmp
`;
      for (const f of files)
        out += `sed -i -e "s|@${name}@|$${name}|g" ${f.path}
`;
    }
    for (const [path, fields] of Object.entries(secret.files ?? {})) {
      if (!SAFE_FILE_PATH.test(path)) throw new Error(`secret file path "${path}" must be absolute, no spaces`);
      if (!/^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/.test(fields))
        throw new Error(`secret fields "${fields}" must be letters, digits, _ (comma-separated)`);
      out += `{ ${fields
        .split(',')
        .map((f) => `secret_field "$${v}" ${f}; echo`)
        .join('; ')}; } >${path}
chmod 0640 ${path}
if getent group terratower >/dev/null; then chgrp terratower ${path}; fi
`;
    }
  });
  return out;
}

function servicesScript(role: InstanceRole, services: BootService[]): string {
  return services
    .map((svc) => {
      if (!SAFE_NAME.test(svc.name)) throw new Error(`service name "${svc.name}" must be lowercase letters, digits, -`);
      const unit = `terratower-${svc.name}`;
      const timer = svc.everySeconds
        ? `cat >/etc/systemd/system/${unit}.timer <<'TERRATOWER_UNIT'
[Unit]
Description=terratower: ${svc.description} (every ${svc.everySeconds} s)

[Timer]
OnBootSec=120
OnUnitActiveSec=${svc.everySeconds}

[Install]
WantedBy=timers.target
TERRATOWER_UNIT
`
        : '';
      return `
cat >/usr/local/bin/${unit} <<'TERRATOWER_SERVICE'
${svc.script.trimEnd()}
TERRATOWER_SERVICE
chmod 0755 /usr/local/bin/${unit}
cat >/etc/systemd/system/${unit}.service <<'TERRATOWER_UNIT'
[Unit]
Description=terratower: ${svc.description}
After=network-online.target terratower-${role}.service

[Service]
${svc.everySeconds ? 'Type=oneshot' : 'Restart=on-failure\nRestartSec=30'}
ExecStart=/usr/local/bin/${unit}
${svc.everySeconds ? '' : '\n[Install]\nWantedBy=multi-user.target\n'}TERRATOWER_UNIT
${timer}`;
    })
    .join('');
}

/**
 * The whole user-data script for one instance (plain text; the launch template base64-encodes
 * it). Values are written with a quoted here-document, so nothing in them is expanded by bash.
 */
export function renderUserData(options: UserDataOptions): string {
  const { role, region, env, attach, healthCheck, logShipping } = options;
  const secrets = options.secrets ?? [];
  const files = options.files ?? [];
  const services = options.services ?? [];
  const file = `/etc/terratower/${role}.env`;
  for (const f of files)
    if (!SAFE_FILE_PATH.test(f.path)) throw new Error(`file path "${f.path}" must be absolute, no spaces`);
  const startServices = services
    .map((svc) => `systemctl enable --now terratower-${svc.name}.${svc.everySeconds ? 'timer' : 'service'}\n`)
    .join('');
  return (
    PREAMBLE +
    (logShipping ? logShipperScript(region, logShipping.logGroupName) : '') +
    (attach ? attachScript(region, attach) : '') +
    `
mkdir -p /etc/terratower
` +
    (healthCheck ? healthReporterScript(region, healthCheck) : '') +
    files
      .map(
        (f) => `
cat >${f.path} <<'TERRATOWER_FILE'
${f.content.trimEnd()}
TERRATOWER_FILE
chmod 0640 ${f.path}
if getent group terratower >/dev/null; then chgrp terratower ${f.path}; fi
`,
      )
      .join('') +
    `
cat >${file}.tmp <<'TERRATOWER_ENV'
${renderEnvFile(env)}TERRATOWER_ENV
` +
    (secrets.length > 0 ? secretsScript(region, secrets, file, files) : '') +
    `sed -i -e "s|${INSTANCE_ID_PLACEHOLDER}|$INSTANCE_ID|g" -e "s|${ZONE_PLACEHOLDER}|$ZONE|g" -e "s|${DATA_DEVICE_PLACEHOLDER}|$DATA_DEVICE|g" ${file}.tmp
chmod 0640 ${file}.tmp
mv ${file}.tmp ${file}
` +
    servicesScript(role, services) +
    `systemctl daemon-reload
systemctl enable --now terratower-${role}.service
${healthCheck ? 'systemctl enable --now terratower-health.service\n' : ''}${startServices}echo "terratower user data done $(date -u +%FT%TZ)"
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
 * filled in at boot; `bucket` is the name the stack gave the dataset bucket (a run's is
 * `<bucket>-<run id>`). Starts unthrottled (`TT_RATE=0`); the harness sets the rate over `/admin`.
 */
export function producerFleetEnv(spec: PipelineSpec, bucket: string = spec.dataset.bucket): Record<string, string> {
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
    bucket,
    prefix: spec.dataset.prefix,
    ratePerSecond: 0,
    ...kafkaClientSettings(spec),
  });
}

/**
 * The apps' Kafka settings for `kafka.security` (mechanism, TLS and its CA file); the username
 * and password reach the env file at boot from the run's secret (`appBootSecrets`).
 */
export function kafkaClientSettings(spec: PipelineSpec): {
  kafkaSaslMechanism?: 'scram-sha-512';
  kafkaSsl?: boolean;
  kafkaSslCaFile?: string;
} {
  const s = spec.kafka.security;
  return {
    ...(s && s.sasl !== 'none' ? { kafkaSaslMechanism: s.sasl } : {}),
    ...(s?.tls ? { kafkaSsl: true, kafkaSslCaFile: SECURITY_FILES.kafkaCa } : {}),
  };
}

/** The consumers' Cassandra TLS settings for `cassandra.security` (the credentials come at boot). */
export function cassandraClientSettings(spec: PipelineSpec): { cassandraSsl?: boolean; cassandraSslCaFile?: string } {
  return spec.cassandra.security?.clientTls
    ? { cassandraSsl: true, cassandraSslCaFile: SECURITY_FILES.cassandraCa }
    : {};
}

/**
 * What an app member reads at boot for the spec's security options: the Kafka SCRAM credentials
 * (both fleets), the Cassandra credentials (consumers), and the CAs to trust.
 */
export function appBootSecrets(
  spec: PipelineSpec,
  group: 'producers' | 'consumers',
  secrets: { kafkaCredentialsArn?: string; cassandraCredentialsArn?: string },
): BootSecret[] {
  const out: BootSecret[] = [];
  const k = spec.kafka.security;
  if (k && k.sasl !== 'none' && secrets.kafkaCredentialsArn)
    out.push({ secretArn: secrets.kafkaCredentialsArn, env: { ...KAFKA_CREDENTIAL_ENV } });
  if (k?.tls && k.certificateSecretArn)
    out.push({ secretArn: k.certificateSecretArn, files: { [SECURITY_FILES.kafkaCa]: 'ca' } });
  if (group === 'consumers') {
    const c = spec.cassandra.security;
    if (c?.authentication && secrets.cassandraCredentialsArn)
      out.push({ secretArn: secrets.cassandraCredentialsArn, env: { ...CASSANDRA_CREDENTIAL_ENV } });
    if (c?.clientTls && c.certificateSecretArn)
      out.push({ secretArn: c.certificateSecretArn, files: { [SECURITY_FILES.cassandraCa]: 'ca' } });
  }
  return out;
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
    ...kafkaClientSettings(spec),
    ...cassandraClientSettings(spec),
  });
}

/** Env variable → field of the run's Kafka credentials secret: what user data appends at boot. */
export const KAFKA_CREDENTIAL_ENV: Readonly<Record<string, string>> = {
  TT_KAFKA_SASL_USERNAME: 'username',
  TT_KAFKA_SASL_PASSWORD: 'password',
};

/** Env variable → field of the run's Cassandra credentials secret. */
export const CASSANDRA_CREDENTIAL_ENV: Readonly<Record<string, string>> = {
  TT_CASSANDRA_USERNAME: 'username',
  TT_CASSANDRA_PASSWORD: 'password',
};

/** Where user data puts the TLS material and the Kafka security settings on an instance. */
export const SECURITY_FILES = {
  /** Broker key store: private key then certificate chain (PEM). */
  kafkaKeystore: '/etc/terratower/tls/kafka-keystore.pem',
  /** CA that signed the brokers' certificate (brokers' and apps' trust store). */
  kafkaCa: '/etc/terratower/tls/kafka-ca.pem',
  /** Node key store: private key then certificate chain (PEM). */
  cassandraKeystore: '/etc/terratower/tls/cassandra-keystore.pem',
  /** CA that signed the nodes' certificate. */
  cassandraCa: '/etc/terratower/tls/cassandra-ca.pem',
  /** Listener overrides appended to the broker's server.properties (`TT_KAFKA_EXTRA_PROPERTIES`). */
  kafkaServerProperties: '/etc/terratower/kafka-security.properties',
  /** Client settings for Kafka's own tools on a broker (`--command-config`). */
  kafkaClientProperties: '/etc/terratower/kafka-client.properties',
} as const;

/** The Kafka client listener's security protocol for a spec's `kafka.security`. */
export function kafkaSecurityProtocol(
  security: KafkaSecuritySpec | undefined,
): 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' {
  const tls = security?.tls === true;
  const sasl = security !== undefined && security.sasl !== 'none';
  return sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : tls ? 'SSL' : 'PLAINTEXT';
}

/** Kafka security is on (TLS or SASL). */
export function kafkaSecured(spec: PipelineSpec): boolean {
  return kafkaSecurityProtocol(spec.kafka.security) !== 'PLAINTEXT';
}

/** Cassandra security is on (authentication or client TLS). */
export function cassandraSecured(security: CassandraSecuritySpec | undefined): boolean {
  return security !== undefined && (security.authentication || security.clientTls);
}

const JAAS = (user: string, password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;

/**
 * The broker's listener overrides for `kafka.security`, appended to server.properties by
 * configure-kafka.sh (later keys win): the client and inter-broker listener speaks
 * SASL_SSL / SSL / SASL_PLAINTEXT; the KRaft controller listener stays PLAINTEXT, between brokers
 * only (their security group). `@TT_KAFKA_SASL_…@` are filled in at boot from the run's secret.
 */
export function kafkaServerSecurityProperties(spec: PipelineSpec, member: ClusterMember): string {
  const security = spec.kafka.security;
  const protocol = kafkaSecurityProtocol(security);
  const host = member.privateIp;
  const lines = [
    `# kafka.security of the spec (src/aws/constructs/user-data.ts): ${protocol} on the client listener`,
    `listeners=${protocol}://${host}:${PORTS.kafkaClient},CONTROLLER://${host}:${PORTS.kafkaController}`,
    `advertised.listeners=${protocol}://${host}:${PORTS.kafkaClient},CONTROLLER://${host}:${PORTS.kafkaController}`,
    `listener.security.protocol.map=${protocol}:${protocol},CONTROLLER:PLAINTEXT`,
    `inter.broker.listener.name=${protocol}`,
  ];
  if (protocol.startsWith('SASL_'))
    lines.push(
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.${protocol.toLowerCase()}.scram-sha-512.sasl.jaas.config=${JAAS('@TT_KAFKA_SASL_USERNAME@', '@TT_KAFKA_SASL_PASSWORD@')}`,
    );
  if (security?.tls)
    lines.push(
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${SECURITY_FILES.kafkaKeystore}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${SECURITY_FILES.kafkaCa}`,
    );
  return `${lines.join('\n')}\n`;
}

/** Client settings for Kafka's tools on a broker (the under-replicated-partitions publisher). */
export function kafkaToolClientProperties(spec: PipelineSpec): string {
  const security = spec.kafka.security;
  const protocol = kafkaSecurityProtocol(security);
  const lines = [`security.protocol=${protocol}`];
  if (protocol.startsWith('SASL_'))
    lines.push(
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=${JAAS('@TT_KAFKA_SASL_USERNAME@', '@TT_KAFKA_SASL_PASSWORD@')}`,
    );
  if (security?.tls) lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${SECURITY_FILES.kafkaCa}`);
  return `${lines.join('\n')}\n`;
}

/** Env of a broker for `kafka.security` (beside `kafkaMemberEnv`); the credentials come at boot. */
export function kafkaSecurityEnv(spec: PipelineSpec): Record<string, string> {
  return kafkaSecured(spec) ? { TT_KAFKA_EXTRA_PROPERTIES: SECURITY_FILES.kafkaServerProperties } : {};
}

/** Env of a Cassandra node for `cassandra.security` (beside `cassandraMemberEnv`). */
export function cassandraSecurityEnv(spec: PipelineSpec): Record<string, string> {
  const security = spec.cassandra.security;
  return {
    ...(security?.authentication ? { TT_CASSANDRA_AUTHENTICATOR: 'PasswordAuthenticator' } : {}),
    ...(security?.clientTls
      ? {
          TT_CASSANDRA_CLIENT_KEYSTORE: SECURITY_FILES.cassandraKeystore,
          TT_CASSANDRA_CLIENT_CA_FILE: SECURITY_FILES.cassandraCa,
        }
      : {}),
  };
}

/** Where the AMIs install Kafka and the cqlsh venv (packer/variables.pkr.hcl `install_prefix`). */
export const INSTALL_PREFIX = '/opt/terratower';

/**
 * The brokers' under-replicated-partitions publisher: Kafka's TopicCommand
 * (`--describe --under-replicated-partitions`) on the broker's own listener, its lines counted and
 * sent with `aws cloudwatch put-metric-data` (run-scoped dimension). A failed describe sends
 * nothing: the alarm treats a minute without any broker's figure as breaching.
 */
export function underReplicatedPublisherScript(spec: PipelineSpec, member: ClusterMember, pipeline: string): string {
  const m = PIPELINE_HEALTH_METRICS;
  return `#!/bin/bash
set -u
out=$(java -Xmx256m -cp '${INSTALL_PREFIX}/kafka/lib/*' org.apache.kafka.tools.TopicCommand \\
  --bootstrap-server ${member.privateIp}:${PORTS.kafkaClient} --command-config ${SECURITY_FILES.kafkaClientProperties} \\
  --describe --under-replicated-partitions 2>/dev/null) || { echo "describe failed: nothing published"; exit 0; }
count=$(printf '%s\\n' "$out" | grep -c 'Partition:' || true)
aws cloudwatch put-metric-data --region ${spec.region} --namespace ${m.namespace} --metric-name ${m.underReplicatedPartitions} \\
  --dimensions ${m.dimension}=${pipeline} --value "$count" --unit Count
`;
}

/**
 * Node 1's one-time authentication set-up (`cassandra.security.authentication`): once CQL
 * answers, raise `system_auth` to the keyspace's replication, create the run's superuser role
 * from the secret, and take the default `cassandra` role's login away (random password, no
 * login). Retried by systemd until it succeeds; a marker file makes later boots skip it.
 */
export function cassandraAuthSetupScript(spec: PipelineSpec, member: ClusterMember): string {
  const tls = spec.cassandra.security?.clientTls === true;
  const cqlsh = `SSL_CERTFILE=${SECURITY_FILES.cassandraCa} ${INSTALL_PREFIX}/cqlsh/bin/cqlsh${tls ? ' --ssl' : ''}`;
  const host = `${member.privateIp} ${PORTS.cassandraCql}`;
  const rf = Math.min(spec.cassandra.replicationFactor, spec.cassandra.nodes);
  return `#!/bin/bash
set -eu
DONE=/var/lib/terratower/cassandra-auth.done
[ -f "$DONE" ] && exit 0
USERNAME=$(grep '^TT_CASSANDRA_USERNAME=' /etc/terratower/cassandra.env | cut -d= -f2-)
PASSWORD=$(grep '^TT_CASSANDRA_PASSWORD=' /etc/terratower/cassandra.env | cut -d= -f2-)
mkdir -p /var/lib/terratower
if ${cqlsh} -u "$USERNAME" -p "$PASSWORD" -e 'SELECT release_version FROM system.local' ${host}; then touch "$DONE"; exit 0; fi
${cqlsh} -u cassandra -p cassandra -e "ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', '${spec.region}': ${rf}}; CREATE ROLE IF NOT EXISTS $USERNAME WITH PASSWORD = '$PASSWORD' AND LOGIN = true AND SUPERUSER = true;" ${host}
RANDOM_PASSWORD=$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9)
${cqlsh} -u "$USERNAME" -p "$PASSWORD" -e "ALTER ROLE cassandra WITH PASSWORD = '$RANDOM_PASSWORD' AND SUPERUSER = false AND LOGIN = false;" ${host}
touch "$DONE"
`;
}
