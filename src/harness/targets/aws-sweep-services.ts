/**
 * The sweep's non-EC2 half: what a run leaves outside EC2, Auto Scaling and S3 — IAM roles and
 * instance profiles, CloudWatch log groups and alarms, SNS topics, Secrets Manager secrets and
 * Data Lifecycle Manager policies — found by the run tag, or where a service cannot filter on
 * tags by the run-scoped name (`<stack>-<run id>…`) confirmed by the run tag where the service
 * can tell it (log groups by name only: `/terratower/<stack>-<run id>/…`).
 */
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as ListAlarmTagsCommand,
} from '@aws-sdk/client-cloudwatch';
import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteLifecyclePolicyCommand, GetLifecyclePoliciesCommand } from '@aws-sdk/client-dlm';
import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteSecretCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import {
  DeleteTopicCommand,
  ListTagsForResourceCommand as ListTopicTagsCommand,
  ListTopicsCommand,
} from '@aws-sdk/client-sns';
import { TAG_KEYS } from '../../spec/tags.ts';
import type { AwsClients } from './aws-clients.ts';

/** Resource types of this half, as `RunInventory` keys. */
export const SERVICE_INVENTORY_TYPES = [
  'iam-role',
  'iam-instance-profile',
  'log-group',
  'cloudwatch-alarm',
  'sns-topic',
  'secret',
  'dlm-policy',
] as const;

/** One of `SERVICE_INVENTORY_TYPES`. */
export type ServiceInventoryType = (typeof SERVICE_INVENTORY_TYPES)[number];

/** Names (ARNs for topics, ids for DLM policies) of what is left, by type. */
export type ServiceInventory = Record<ServiceInventoryType, string[]>;

type Tag = { Key?: string | undefined; Value?: string | undefined };
const tagged = (tags: Tag[] | undefined, runId: string): boolean =>
  (tags ?? []).some((t) => t.Key === TAG_KEYS.runId && t.Value === runId);

/** A run-scoped name holds `-<run id>` (`<stack>-<run id>-…`; a name cut to fit keeps its start). */
const namesRun = (name: string | undefined, runId: string): boolean => (name ?? '').includes(`-${runId}`);

async function roles(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await clients.iam.send(new ListRolesCommand({ Marker }));
    for (const r of page.Roles ?? []) {
      if (!namesRun(r.RoleName, runId)) continue;
      const tags = await clients.iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName }));
      if (tagged(tags.Tags, runId)) out.push(r.RoleName!);
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return out;
}

async function instanceProfiles(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await clients.iam.send(new ListInstanceProfilesCommand({ Marker }));
    for (const p of page.InstanceProfiles ?? []) {
      if (!namesRun(p.InstanceProfileName, runId)) continue;
      // GetInstanceProfile carries the tags (moto 5.2.5 has no ListInstanceProfileTags).
      const got = await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName }));
      if (tagged(got.InstanceProfile?.Tags, runId)) out.push(p.InstanceProfileName!);
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return out;
}

async function logGroups(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/terratower/', nextToken }),
    );
    for (const g of page.logGroups ?? []) {
      const prefix = (g.logGroupName ?? '').split('/')[2] ?? '';
      if (prefix.endsWith(`-${runId}`)) out.push(g.logGroupName!);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

async function alarms(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.cloudWatch.send(new DescribeAlarmsCommand({ NextToken }));
    for (const a of page.MetricAlarms ?? []) {
      if (!namesRun(a.AlarmName, runId)) continue;
      const tags = await clients.cloudWatch.send(new ListAlarmTagsCommand({ ResourceARN: a.AlarmArn }));
      if (tagged(tags.Tags, runId)) out.push(a.AlarmName!);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function topics(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.sns.send(new ListTopicsCommand({ NextToken }));
    for (const t of page.Topics ?? []) {
      if (!namesRun(t.TopicArn?.split(':').at(-1), runId)) continue;
      const tags = await clients.sns.send(new ListTopicTagsCommand({ ResourceArn: t.TopicArn }));
      if (tagged(tags.Tags, runId)) out.push(t.TopicArn!);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function secrets(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.secretsManager.send(
      new ListSecretsCommand({
        NextToken,
        Filters: [
          { Key: 'tag-key', Values: [TAG_KEYS.runId] },
          { Key: 'tag-value', Values: [runId] },
        ],
      }),
    );
    for (const s of page.SecretList ?? []) if (tagged(s.Tags, runId) && !s.DeletedDate) out.push(s.ARN!);
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function dlmPolicies(clients: AwsClients, runId: string): Promise<string[]> {
  if (clients.emulated) return []; // moto 5.2.5 serves no Data Lifecycle Manager API
  const all = await clients.dlm.send(new GetLifecyclePoliciesCommand({}));
  const ids = new Set<string>();
  for (const p of all.Policies ?? []) if (p.PolicyId && p.Tags?.[TAG_KEYS.runId] === runId) ids.add(p.PolicyId);
  return [...ids];
}

/** List what this half finds of a run (see the file comment). Throws when a listing fails. */
export async function serviceInventory(clients: AwsClients, runId: string): Promise<ServiceInventory> {
  return {
    'iam-role': await roles(clients, runId),
    'iam-instance-profile': await instanceProfiles(clients, runId),
    'log-group': await logGroups(clients, runId),
    'cloudwatch-alarm': await alarms(clients, runId),
    'sns-topic': await topics(clients, runId),
    secret: await secrets(clients, runId),
    'dlm-policy': await dlmPolicies(clients, runId),
  };
}

/**
 * Delete what `serviceInventory` finds, in an order that lets each go: alarms before their topic,
 * roles out of their instance profiles (and their inline and attached policies off) first.
 * Returns what was deleted by type; failures go to `errors`, never thrown.
 */
export async function sweepServices(
  clients: AwsClients,
  runId: string,
  errors: string[],
): Promise<Partial<ServiceInventory>> {
  const deleted: Partial<ServiceInventory> = {};
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
      return false;
    }
  };
  let found: ServiceInventory | undefined;
  if (
    !(await attempt(
      'list IAM, logs, alarms, topics, secrets, DLM',
      async () => (found = await serviceInventory(clients, runId)),
    ))
  )
    return deleted;
  const inv = found!;
  const done = (type: ServiceInventoryType, name: string): void => {
    (deleted[type] ??= []).push(name);
  };
  if (
    inv['cloudwatch-alarm'].length > 0 &&
    (await attempt('delete alarms', () =>
      clients.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: inv['cloudwatch-alarm'] })),
    ))
  )
    for (const a of inv['cloudwatch-alarm']) done('cloudwatch-alarm', a);
  for (const arn of inv['sns-topic'])
    if (await attempt(`delete topic ${arn}`, () => clients.sns.send(new DeleteTopicCommand({ TopicArn: arn }))))
      done('sns-topic', arn);
  for (const id of inv['dlm-policy'])
    if (
      await attempt(`delete DLM policy ${id}`, () =>
        clients.dlm.send(new DeleteLifecyclePolicyCommand({ PolicyId: id })),
      )
    )
      done('dlm-policy', id);
  for (const arn of inv.secret)
    if (
      await attempt(`delete secret ${arn}`, () =>
        clients.secretsManager.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true })),
      )
    )
      done('secret', arn);
  for (const name of inv['log-group'])
    if (
      await attempt(`delete log group ${name}`, () =>
        clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name })),
      )
    )
      done('log-group', name);
  for (const role of inv['iam-role']) {
    const ok = await attempt(`delete role ${role}`, async () => {
      const profiles = await clients.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: role }));
      for (const p of profiles.InstanceProfiles ?? [])
        await clients.iam.send(
          new RemoveRoleFromInstanceProfileCommand({ RoleName: role, InstanceProfileName: p.InstanceProfileName }),
        );
      const inline = await clients.iam.send(new ListRolePoliciesCommand({ RoleName: role }));
      for (const name of inline.PolicyNames ?? [])
        await clients.iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: name }));
      const attached = await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
      for (const a of attached.AttachedPolicies ?? [])
        await clients.iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: a.PolicyArn }));
      await clients.iam.send(new DeleteRoleCommand({ RoleName: role }));
    });
    if (ok) done('iam-role', role);
  }
  for (const name of inv['iam-instance-profile'])
    if (
      await attempt(`delete instance profile ${name}`, () =>
        clients.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })),
      )
    )
      done('iam-instance-profile', name);
  return deleted;
}
