/** A producer or consumer instance: the real app, its one-file bundle from dist/bundle (`npm run build`). */
import { existsSync } from 'node:fs';
import { consumerEnv, producerEnv } from '../../../apps/shared/config.ts';
import { consumerGroupId, type AppGroupName, type PipelineSpec } from '../../spec/index.ts';
import { cassandraContactPoints, kafkaBootstrap, type TwinNetwork } from '../../spec/addresses.ts';
import { PORTS } from '../../spec/ports.ts';
import { appBundle, REPO_ROOT } from '../../support/paths.ts';
import { evaluationPeriodMs } from '../controller/group.ts';
import type { LaunchPlan, MemberIdentity } from './types.ts';

/** The bundle an app group's members run. */
export function appEntry(group: AppGroupName): string {
  return appBundle(group === 'producers' ? 'producer' : 'consumer');
}

/** Throws a clear error when the app's program is not in the checkout. */
export function requireAppEntry(group: AppGroupName): void {
  const entry = appEntry(group);
  if (!existsSync(entry)) {
    throw new Error(
      `${group}: ${entry} does not exist, so the twin cannot launch ${group} members: ` +
        'run npm run build (or set min and desired to 0 in the spec)',
    );
  }
}

/** Where the twin's other parts answer, for the apps' environment. */
export interface AppContext {
  spec: PipelineSpec;
  slot: number;
  /** @default 'loopback' */
  network?: TwinNetwork;
  s3Endpoint: string;
}

/** The app member's command line and environment (apps/shared/config.ts contract). */
export function appLaunchPlan(group: AppGroupName, member: MemberIdentity, ctx: AppContext): LaunchPlan {
  requireAppEntry(group);
  const { spec } = ctx;
  const common = {
    memberId: member.id,
    zone: member.zone,
    kafkaBrokers: kafkaBootstrap(spec, ctx.slot, ctx.network),
    topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic,
    httpHost: member.address,
    httpPort: PORTS.appHttp,
    ...(spec.dataset.schema ? { schema: spec.dataset.schema } : {}),
  };
  const env =
    group === 'producers'
      ? producerEnv({
          ...common,
          s3Endpoint: ctx.s3Endpoint,
          region: spec.region,
          bucket: spec.dataset.bucket,
          prefix: spec.dataset.prefix,
          ratePerSecond: 0,
        })
      : consumerEnv({
          ...common,
          groupId: consumerGroupId(spec),
          cassandraContactPoints: cassandraContactPoints(spec, ctx.slot, ctx.network),
          cassandraDataCenter: spec.region,
          keyspace: spec.cassandra.keyspace,
          table: spec.cassandra.table,
          consistency: spec.cassandra.consistency,
        });
  // The consumers read lag as often as the group controller evaluates it (see ConsumerTuning.lagPollMs).
  const lagPoll: Record<string, string> =
    group === 'consumers' ? { TT_LAG_POLL_MS: String(Math.round(evaluationPeriodMs(spec.local.timeScale))) } : {};
  return {
    command: process.execPath,
    args: [appEntry(group)],
    env: { ...env, ...lagPoll, AWS_ACCESS_KEY_ID: 'terratower', AWS_SECRET_ACCESS_KEY: 'terratower' },
    cwd: REPO_ROOT,
  };
}

/** Whether an app member's /healthz answers 200. */
export async function appHealthy(address: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}:${PORTS.appHttp}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The app member's /metrics text, or undefined when it does not answer. */
export async function appMetricsText(address: string, timeoutMs = 1500): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${address}:${PORTS.appHttp}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return undefined;
    return await res.text();
  } catch {
    return undefined;
  }
}
