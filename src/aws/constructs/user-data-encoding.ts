/**
 * Base64-encode a user-data script for a launch template or instance. Literal text goes through
 * `Fn.rawString` (Terraform would otherwise read quotes and `${` in bash as its own syntax), with
 * backslashes doubled first: rawString escapes newlines and quotes but not backslashes, so a
 * bash line continuation or a `\n` in a jq or printf argument would reach Terraform as an
 * escape of its own (a `\n` became a newline);
 * embedded cdktf tokens (a network interface id, a volume id) stay references and are resolved
 * by Terraform before encoding.
 */
import { Fn } from '../cdktf.ts';

const TOKEN = /(\$\{TfToken\[[^\]]+\]\})/;

/** `base64encode(...)` of `script` with its tokens resolved by Terraform. */
export function userDataBase64(script: string): string {
  const parts = script.split(TOKEN).filter((p) => p !== '');
  const pieces = parts.map((p) => (TOKEN.test(p) ? p : Fn.rawString(p.replaceAll('\\', '\\\\'))));
  return Fn.base64encode(pieces.length === 1 ? pieces[0]! : Fn.join('', pieces));
}
