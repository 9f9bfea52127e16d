/**
 * `RunCredentials`: a username and a random password for one run, in a Secrets Manager secret
 * (`{"username": …, "password": …}`) that instances read at boot through their instance role.
 * The password comes from Secrets Manager's own generator (letters and digits only, so it fits an
 * env file and a properties file unquoted) and is kept after the first apply (a later plan does
 * not rotate it under running members). It is in the Terraform state, as every generated secret
 * is: keep the state encrypted. A disposable run's secret is deleted without a recovery window,
 * so the name is free again at once.
 */
import { Construct, Fn } from '../cdktf.ts';
import {
  DataAwsSecretsmanagerRandomPassword,
  SecretsmanagerSecret,
  SecretsmanagerSecretVersion,
} from '../provider-aws.ts';
import type { PolicyStatement } from './iam.ts';
import { isDisposable, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';

/** Props of `RunCredentials`. */
export interface RunCredentialsProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** Name suffix: the secret is `<stack>[-<run id>]-<name>`. */
  name: string;
  /** Group the credentials belong to (`kafka`, `cassandra`), for tags. */
  group: string;
  /** The username stored beside the password (letters, digits, `_`, `-`). */
  username: string;
  /** Password length. @default 32 */
  passwordLength?: number;
  /** KMS key (ARN) encrypting the secret. @default the AWS-managed Secrets Manager key */
  kmsKeyArn?: string;
}

/** A per-run username and password in Secrets Manager. */
export class RunCredentials extends Construct {
  /** The secret. */
  readonly secret: SecretsmanagerSecret;
  /** ARN of the secret (a reference). */
  readonly secretArn: string;
  /** The username (known at synth). */
  readonly username: string;
  private readonly kmsKeyArn?: string;

  /** @param props see `RunCredentialsProps` */
  constructor(scope: Construct, id: string, props: RunCredentialsProps) {
    super(scope, id);
    const { identity } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`RunCredentials "${id}"`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.username))
      check.fail('username', props.username, 'letters, digits, _ or -, at most 64');
    if (props.passwordLength !== undefined) check.wholeNumber('passwordLength', props.passwordLength, 16, 128);
    const name = resourceName(identity, props.name, 512);
    this.username = props.username;
    if (props.kmsKeyArn) this.kmsKeyArn = props.kmsKeyArn;
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name,
      description: `${props.group} credentials of ${identity.stackName} run ${identity.runId}`,
      recoveryWindowInDays: isDisposable(identity) ? 0 : 7,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}),
      tags: placementTags(identity, name, { group: props.group }),
    });
    const password = new DataAwsSecretsmanagerRandomPassword(this, 'password', {
      passwordLength: props.passwordLength ?? 32,
      excludePunctuation: true,
      includeSpace: false,
    });
    new SecretsmanagerSecretVersion(this, 'value', {
      secretId: this.secret.id,
      secretString: Fn.jsonencode({ username: props.username, password: password.randomPassword }),
      // The generator answers anew at every plan: keep the first password.
      lifecycle: { ignoreChanges: ['secret_string'] },
    });
    this.secretArn = this.secret.arn;
  }

  /** The statements that let an instance role read the secret (and decrypt it with the run's key). */
  readStatements(sid: string): PolicyStatement[] {
    return readSecretStatements(sid, [this.secretArn], this.kmsKeyArn);
  }
}

/** `secretsmanager:GetSecretValue` on exactly `secretArns` (and `kms:Decrypt` on `kmsKeyArn`, when given). */
export function readSecretStatements(sid: string, secretArns: string[], kmsKeyArn?: string): PolicyStatement[] {
  return [
    { sid, actions: ['secretsmanager:GetSecretValue'], resources: secretArns },
    ...(kmsKeyArn ? [{ sid: `${sid}Decrypt`, actions: ['kms:Decrypt'], resources: [kmsKeyArn] }] : []),
  ];
}
