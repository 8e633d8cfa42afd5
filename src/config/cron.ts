/** Cron patterns and time zones as the scheduler (croner) and Intl read them: refused at load, not at start. */
import { Cron } from 'croner';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const CRON_FIELD = /^[0-9A-Za-z*/,?LW#-]+$/;

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
