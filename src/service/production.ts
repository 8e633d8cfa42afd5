/**
 * What a service outside the sandbox refuses to start without: a tenant allow-list, a stable
 * download-link key of real strength, and an https public URL. Each problem says how to fix it.
 */
import type { Config } from '../config';

/** HMAC-SHA256 keys shorter than its block's half are guessable in principle; 32 bytes is the floor. */
export const MIN_LINK_SECRET_BYTES = 32;

export function productionProblems(config: Config, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (config.allowedTenants.length === 0) {
    problems.push('allowedTenants is empty: list the Entra tenant id(s) whose Teams may talk to the bot (kb4sync.yaml, allowedTenants).');
  }
  const secret = env.KB4SYNC_LINK_SECRET ?? '';
  if (Buffer.byteLength(secret, 'utf8') < MIN_LINK_SECRET_BYTES) {
    problems.push(
      `KB4SYNC_LINK_SECRET is ${secret ? `only ${Buffer.byteLength(secret, 'utf8')} bytes` : 'not set'}: set it to ${MIN_LINK_SECRET_BYTES} bytes or more (e.g. openssl rand -base64 48), the same on every replica, so download links are signed with a key nobody can guess.`,
    );
  }
  const publicUrl = env.KB4SYNC_PUBLIC_URL ?? '';
  let parsed: URL | null;
  try {
    parsed = new URL(publicUrl);
  } catch {
    parsed = null;
  }
  if (parsed?.protocol !== 'https:') {
    problems.push(`KB4SYNC_PUBLIC_URL ${publicUrl ? `is ${publicUrl}, not https` : 'is not set'}: set it to the https address people reach this service at (a path prefix such as https://bots.example.com/kb4sync is kept in links).`);
  }
  return problems;
}
