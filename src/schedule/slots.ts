/** When a company's sync runs next, in its own time zone. */
import { Cron } from 'croner';
import type { CompanyConfig } from '../config';

/** The next scheduled instant strictly after `after`, in the company's time zone. */
export function nextSlot(company: CompanyConfig, after: Date): Date | null {
  if (!company.schedule) return null;
  return new Cron(company.schedule.cron, { timezone: company.schedule.timezone, paused: true }).nextRun(after);
}

/** What the audit says will fix drift: the next sync, and whether it applies without asking (null: none, or paused). */
export function nextSyncOf(company: CompanyConfig, paused: boolean, after: Date): { at: Date; autoApply: boolean } | null {
  const at = paused || company.paused ? null : nextSlot(company, after);
  return at === null ? null : { at, autoApply: company.schedule?.autoApply ?? false };
}

