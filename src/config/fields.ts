/**
 * The field shapes kb4sync.yaml uses in many places: GUIDs, environment variable names, URLs
 * that may carry tokens, time zones and cron patterns, each with the error an admin reads.
 */
import { Cron } from 'croner';
import { z } from 'zod';

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const guid = z.string().regex(GUID_PATTERN, { message: 'expected a GUID like 00000000-0000-0000-0000-000000000000' });
export const envName = z.string().regex(ENV_NAME, { message: 'expected the NAME of an environment variable (letters, digits, _), not its value' });
/** 127.0.0.0/8, ::1 and localhost: the sandbox and tests, never a network hop. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

// Tokens and people's data travel to these: plain http only to this machine itself.
export const httpUrl = z
  .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
  .refine((u) => new URL(u).protocol === 'https:' || isLoopbackHost(new URL(u).hostname), 'expected an https URL (plain http is accepted only on loopback: 127.0.0.1, ::1, localhost)');

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const CRON_FIELD = /^[0-9A-Za-z*/,?LW#-]+$/;

/** Why croner (the scheduler's parser) would refuse the pattern, or null: "99 2 * * *" fails here, not at start. */
export function cronProblem(pattern: string): string | null {
  const parts = pattern.trim().split(/\s+/);
  if (parts.length < 5 || parts.length > 6) return `it has ${parts.length} ${parts.length === 1 ? 'field' : 'fields'}`;
  if (!parts.every((p) => CRON_FIELD.test(p))) return 'only digits, letters and * / , ? L W # - may appear';
  try {
    new Cron(pattern, { paused: true }).stop();
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}
