/**
 * The service's bearer token: generated on first start into a file only its owner can read
 * (mode 0600), read back on later starts, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The token in `file`, created (32 random bytes, base64url, mode 0600) when the file does not exist. */
export async function loadOrCreateToken(file: string): Promise<{ token: string; created: boolean }> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length < 16)
      throw new Error(`token file ${file} holds fewer than 16 characters: delete it to have a new one generated`);
    const mode = (await stat(file)).mode & 0o777;
    // A file others can read is tightened, not trusted as it is.
    if ((mode & 0o077) !== 0) await chmod(file, 0o600);
    return { token, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, created: true };
}

/**
 * Whether an `Authorization` header carries `token` as a bearer token. Both sides are hashed
 * first so the comparison takes the same time whatever the lengths and contents.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(m?.[1] ?? '')
    .digest();
  const want = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}

/**
 * Remove what looks like a credential from a line before it is logged, streamed or stored:
 * bearer tokens, AWS keys and secrets, `password=`/`secret=`/`token=` values.
 */
export function redact(line: string, secrets: readonly string[] = []): string {
  let out = line
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted-access-key]')
    .replace(
      /((?:aws_secret_access_key|aws_session_token|secret|password|passwd|token)["']?\s*[=:]\s*["']?)[^\s"',;]+/gi,
      '$1[redacted]',
    );
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}
