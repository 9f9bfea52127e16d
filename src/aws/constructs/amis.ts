/**
 * `AmiCatalog`: the AMI id for each instance role. Ids given in props win (e.g. from a Packer
 * manifest); any other role is looked up by an `aws_ami` data source: the newest image owned
 * by the account tagged `terratower:role = <image>`, where producers and consumers share the
 * `app` image (see `IMAGE_FOR_INSTANCE`).
 */
import { Construct } from '../cdktf.ts';
import { DataAwsAmi } from '../provider-aws.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import { IMAGE_FOR_INSTANCE, type ImageRole } from '../packer/manifest.ts';
import type { InstanceRole } from './user-data.ts';

/** AMI ids by instance role. */
export type AmiIds = Partial<Record<InstanceRole, string>>;

/** Props of `AmiCatalog`. */
export interface AmiCatalogProps {
  /** AMI ids by role. @default look each one up by the `terratower:role` tag */
  amis?: AmiIds;
}

/** Resolves instance roles to AMI ids. */
export class AmiCatalog extends Construct {
  private readonly given: AmiIds;
  private readonly lookups = new Map<ImageRole, DataAwsAmi>();

  /** @param props see `AmiCatalogProps` */
  constructor(scope: Construct, id: string, props: AmiCatalogProps = {}) {
    super(scope, id);
    this.given = { ...props.amis };
  }

  /** The AMI id for `role`: the given id, or the tag lookup (created on first use). */
  imageId(role: InstanceRole): string {
    const given = this.given[role];
    if (given) return given;
    const image = IMAGE_FOR_INSTANCE[role];
    let lookup = this.lookups.get(image);
    if (!lookup) {
      lookup = new DataAwsAmi(this, `ami-${image}`, {
        mostRecent: true,
        owners: ['self'],
        filter: [{ name: `tag:${TAG_KEYS.amiRole}`, values: [image] }],
      });
      this.lookups.set(image, lookup);
    }
    return lookup.id;
  }
}
