/**
 * Reads `packer/manifest.json`, which the templates' `manifest` post-processor appends to after
 * every image build, and answers "which AMI for this role in this region": the newest build
 * wins. The stacks pass the result to `AmiCatalog` (src/aws/constructs/amis.ts); the harness uses it
 * to tell whether images exist before an AWS run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The images the templates build. The app image runs producers and consumers. */
export type ImageRole = 'kafka' | 'cassandra' | 'app' | 'monitoring';

/** Every image role, in build order. */
export const IMAGE_ROLES: readonly ImageRole[] = ['kafka', 'cassandra', 'app', 'monitoring'];

/** What instances of each kind boot from (producers and consumers share the app image). */
export const IMAGE_FOR_INSTANCE = {
  kafka: 'kafka',
  cassandra: 'cassandra',
  producer: 'app',
  consumer: 'app',
  monitoring: 'monitoring',
} as const satisfies Record<string, ImageRole>;

/** Instance kinds that boot from a terratower image (the user-data roles). */
export type InstanceKind = keyof typeof IMAGE_FOR_INSTANCE;

/**
 * Where `ami build` records images and the stacks look them up: `$TERRATOWER_AMI_MANIFEST`, else
 * `packer/manifest.json` under the current directory — the user's project, never the installed
 * package (in this checkout that is the templates' own directory).
 */
export const MANIFEST_PATH = resolve(
  process.env.TERRATOWER_AMI_MANIFEST ?? join(process.cwd(), 'packer', 'manifest.json'),
);

/** One build as the manifest post-processor records it. */
export interface ManifestBuild {
  /** Source name: the role (`kafka`, …). */
  name: string;
  builder_type: string;
  /** Unix seconds. */
  build_time: number;
  /** `region:ami-id`, comma-separated when the image was copied to more regions. */
  artifact_id: string;
  packer_run_uuid: string;
  /** The templates' custom_data: role, region, git_revision, version. */
  custom_data: Record<string, string>;
}

/** The manifest file. */
export interface PackerManifest {
  builds: ManifestBuild[];
  last_run_uuid: string;
}

/** One AMI known from the manifest. */
export interface AmiRecord {
  role: ImageRole;
  region: string;
  amiId: string;
  /** When it was built. */
  builtAt: Date;
  /** Git revision of packer/ it was built from. */
  gitRevision: string;
  /** Packer run that built it. */
  runUuid: string;
}

function isRole(value: string): value is ImageRole {
  return (IMAGE_ROLES as readonly string[]).includes(value);
}

/** Check the shape of parsed manifest JSON; throws naming the first bad field. */
export function parseManifest(data: unknown, source = 'manifest.json'): PackerManifest {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what} (is it a Packer manifest post-processor output?)`);
  };
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { builds?: unknown }).builds))
    fail('no "builds" array');
  const raw = data as { builds: unknown[]; last_run_uuid?: unknown };
  const builds = raw.builds.map((b, i): ManifestBuild => {
    if (typeof b !== 'object' || b === null) return fail(`builds[${i}] is not an object`);
    const o = b as Record<string, unknown>;
    if (typeof o.name !== 'string') fail(`builds[${i}].name is missing`);
    if (typeof o.artifact_id !== 'string') fail(`builds[${i}].artifact_id is missing`);
    if (typeof o.build_time !== 'number') fail(`builds[${i}].build_time is missing`);
    const custom = (typeof o.custom_data === 'object' && o.custom_data !== null ? o.custom_data : {}) as Record<
      string,
      unknown
    >;
    return {
      name: o.name as string,
      builder_type: typeof o.builder_type === 'string' ? o.builder_type : '',
      build_time: o.build_time as number,
      artifact_id: o.artifact_id as string,
      packer_run_uuid: typeof o.packer_run_uuid === 'string' ? o.packer_run_uuid : '',
      custom_data: Object.fromEntries(
        Object.entries(custom).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    };
  });
  return { builds, last_run_uuid: typeof raw.last_run_uuid === 'string' ? raw.last_run_uuid : '' };
}

/** Read a manifest file; undefined when it does not exist (no image built yet). */
export function readManifest(path: string = MANIFEST_PATH): PackerManifest | undefined {
  if (!existsSync(path)) return undefined;
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** Every AMI the manifest records, one per region of each build (builds of unknown roles are skipped). */
export function amiRecords(manifest: PackerManifest): AmiRecord[] {
  const out: AmiRecord[] = [];
  for (const build of manifest.builds) {
    const role = build.custom_data.role ?? build.name;
    if (!isRole(role)) continue;
    for (const part of build.artifact_id.split(',')) {
      const match = /^([a-z0-9-]+):(ami-[0-9a-f]+)$/.exec(part.trim());
      if (!match) continue;
      out.push({
        role,
        region: match[1]!,
        amiId: match[2]!,
        builtAt: new Date(build.build_time * 1000),
        gitRevision: build.custom_data.git_revision ?? '',
        runUuid: build.packer_run_uuid,
      });
    }
  }
  return out;
}

/** The newest AMI per role in `region` (roles never built there are absent). */
export function latestAmis(manifest: PackerManifest, region: string): Partial<Record<ImageRole, AmiRecord>> {
  const out: Partial<Record<ImageRole, AmiRecord>> = {};
  for (const record of amiRecords(manifest)) {
    if (record.region !== region) continue;
    const current = out[record.role];
    if (!current || record.builtAt.getTime() >= current.builtAt.getTime()) out[record.role] = record;
  }
  return out;
}

/** The newest AMI id of `role` in `region`; throws with the command that builds it when there is none. */
export function amiFor(manifest: PackerManifest | undefined, role: ImageRole, region: string): string {
  const record = manifest ? latestAmis(manifest, region)[role] : undefined;
  if (!record) {
    throw new Error(
      `no ${role} AMI in ${region} in the Packer manifest: run \`terratower ami build --only ${role} --region ${region}\``,
    );
  }
  return record.amiId;
}

/**
 * AMI ids by instance kind (`producer`, `consumer`, `kafka`, …) for `region`, as `AmiCatalog`
 * takes them; kinds whose image was never built are left out (the catalog then looks them up by tag).
 */
export function amiIdsByInstanceKind(
  manifest: PackerManifest | undefined,
  region: string,
): Partial<Record<InstanceKind, string>> {
  if (!manifest) return {};
  const latest = latestAmis(manifest, region);
  const out: Partial<Record<InstanceKind, string>> = {};
  for (const [kind, role] of Object.entries(IMAGE_FOR_INSTANCE) as Array<[InstanceKind, ImageRole]>) {
    const record = latest[role];
    if (record) out[kind] = record.amiId;
  }
  return out;
}
