/**
 * The local twin's Terraform configuration: built-in `terraform_data` resources only (no provider
 * download), applied and destroyed by the same runner as the AWS `PipelineStack`.
 *
 * - `terraform_data.twin_guard` has no create-time work; its destroy-time `local-exec` runs
 *   `terratower local down --run-id ID`. It exists before the twin starts, so even a twin whose
 *   `local up` was interrupted (Terraform then marks it tainted and skips *its* destroy
 *   provisioners) is torn down by `terraform destroy`.
 * - `terraform_data.twin` depends on the guard; its create-time `local-exec` runs
 *   `terratower local up --spec FILE --run-id ID --slot N --json`.
 * - Both share `triggers_replace` (run id, slot, spec hash): a changed spec replaces both, so the
 *   old twin goes down before the new one comes up.
 *
 * Outputs have the names and shapes of the AWS stack's outputs (`bucket`, `dataset_prefix`,
 * `kafka_bootstrap`, `cassandra_contact_points`, `s3_endpoint`, `asg_names`, `run_id`). They are read from the twin
 * resource's state, so they exist only once `local up` has succeeded. The endpoints are
 * deterministic from spec + slot + network (src/spec/addresses.ts).
 */
import { createHash } from 'node:crypto';
import { cassandraContactPoints, kafkaBootstrap, s3Address, type TwinNetwork } from '../../spec/addresses.ts';
import { detectTwinNetwork } from '../../twin/network.ts';
import { PORTS } from '../../spec/ports.ts';
import type { GroupName, PipelineSpec } from '../../spec/index.ts';
import { cacheDir, REPO_ROOT } from '../../support/paths.ts';
import { checkRunId } from '../../spec/run-id.ts';

/** What the twin's stack needs. */
export interface LocalTwinStackProps {
  /** The resolved spec (defaults applied); endpoints and the spec hash derive from it. */
  spec: PipelineSpec;
  /** Absolute path of the spec file `local up --spec` reads (the caller writes it). */
  specFile: string;
  /** Run id of the twin (`local up/down --run-id`). */
  runId: string;
  /** Address slot 0–7: twins in different slots run side by side. */
  slot: number;
  /** How the twin's zones are networked. @default `detectTwinNetwork()`: namespaces with root, else loopback */
  network?: TwinNetwork;
  /** Checkout whose `bin/terratower.mjs` the provisioners run. @default this checkout */
  repoRoot?: string;
  /** Node executable the provisioners run. @default the current one (`process.execPath`) */
  nodeBinary?: string;
  /** `TERRATOWER_CACHE` the provisioners run with (so a later destroy finds the same twin). @default the current cache */
  cacheDir?: string;
}

/** The endpoints the twin serves, in the shape of the pipeline stacks' outputs. */
export interface LocalTwinEndpoints {
  /** Dataset bucket. */
  bucket: string;
  /** Dataset key prefix. */
  dataset_prefix: string;
  /** Kafka bootstrap servers, `host:port`. */
  kafka_bootstrap: string[];
  /** Cassandra contact points, `host:port`. */
  cassandra_contact_points: string[];
  /** S3 API endpoint URL (moto server). */
  s3_endpoint: string;
  /** Group → the twin's group id(s). */
  asg_names: Record<GroupName, string[]>;
  /** Run id. */
  run_id: string;
}

/** Groups the twin runs, in output order. */
const GROUPS: readonly GroupName[] = ['producers', 'consumers', 'kafka', 'cassandra'];

/** The twin's id of a group: `<runId>/<group>` (what `asg_names` reports locally). */
export function twinGroupId(runId: string, group: GroupName): string {
  return `${runId}/${group}`;
}

/** Endpoints of a twin from its spec and slot (deterministic; no process needs to run). */
export function localTwinEndpoints(
  spec: PipelineSpec,
  runId: string,
  slot: number,
  network: TwinNetwork = 'loopback',
): LocalTwinEndpoints {
  return {
    bucket: spec.dataset.bucket,
    dataset_prefix: spec.dataset.prefix,
    kafka_bootstrap: kafkaBootstrap(spec, slot, network),
    cassandra_contact_points: cassandraContactPoints(spec, slot, network),
    s3_endpoint: `http://${s3Address(slot, network)}:${PORTS.s3}`,
    asg_names: Object.fromEntries(GROUPS.map((g) => [g, [twinGroupId(runId, g)]])) as Record<GroupName, string[]>,
    run_id: runId,
  };
}

/** Short, stable hash of a spec: a changed spec replaces the twin. */
export function specHash(spec: PipelineSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** Quotes one word for `/bin/sh`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `local up` and `local down` command lines the provisioners run. */
export function localTwinCommands(props: LocalTwinStackProps): { up: string; down: string } {
  const node = shellQuote(props.nodeBinary ?? process.execPath);
  const cli = shellQuote(`${props.repoRoot ?? REPO_ROOT}/bin/terratower.mjs`);
  const runId = shellQuote(props.runId);
  const network = props.network ?? detectTwinNetwork();
  return {
    up: `${node} ${cli} local up --spec ${shellQuote(props.specFile)} --run-id ${runId} --slot ${props.slot} --network ${network} --json`,
    down: `${node} ${cli} local down --run-id ${runId}`,
  };
}

/**
 * The twin's Terraform JSON (what the runner writes as `main.tf.json`): two `terraform_data`
 * resources and the outputs, written directly so that the harness loads no cdktf.
 */
export function localTwinStackConfig(props: LocalTwinStackProps): Record<string, unknown> {
  checkRunId(props.runId);
  const network = props.network ?? detectTwinNetwork();
  const endpoints = localTwinEndpoints(props.spec, props.runId, props.slot, network);
  const commands = localTwinCommands({ ...props, network });
  const environment = { TERRATOWER_CACHE: props.cacheDir ?? cacheDir() };
  const triggers = { run_id: props.runId, slot: String(props.slot), network, spec_hash: specHash(props.spec) };
  return {
    terraform: { required_version: '>= 1.4.0' },
    resource: {
      terraform_data: {
        twin_guard: {
          input: { run_id: props.runId, down_command: commands.down },
          triggers_replace: triggers,
          // Destroy provisioners may only reference self: everything they need is in `input`.
          provisioner: [{ 'local-exec': { when: 'destroy', command: '${self.input.down_command}', environment } }],
        },
        twin: {
          depends_on: ['terraform_data.twin_guard'],
          input: { ...endpoints, spec_file: props.specFile, slot: props.slot, network },
          triggers_replace: triggers,
          provisioner: [{ 'local-exec': { when: 'create', command: commands.up, environment } }],
        },
      },
    },
    output: Object.fromEntries(
      Object.keys(endpoints).map((name) => [name, { value: `\${terraform_data.twin.output.${name}}` }]),
    ),
  };
}
