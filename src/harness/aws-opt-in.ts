/** AWS runs create billable resources: they run only when asked for, with credentials at hand. */

/** Whether AWS runs are allowed here, and if not, why (shown as the skip reason). */
export function awsOptIn(env: NodeJS.ProcessEnv = process.env): { ok: true } | { ok: false; reason: string } {
  if (env.TERRATOWER_AWS !== '1')
    return { ok: false, reason: 'AWS runs are opt-in: set TERRATOWER_AWS=1 (they create billable resources)' };
  const hasCredentials = Boolean(
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
  if (!hasCredentials)
    return {
      ok: false,
      reason: 'no AWS credentials in the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, …)',
    };
  return { ok: true };
}
