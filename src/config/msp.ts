/** The MSP settings (issue 17): contracted seats, the weekly audit, the daily digest. */
import { z } from 'zod';
import { cronProblem, isTimeZone } from './fields';

const cron = (example: string) =>
  z.string().superRefine((c, ctx) => {
    const problem = cronProblem(c);
    if (problem) ctx.addIssue({ code: 'custom', message: `expected a cron expression with 5 or 6 fields, e.g. "${example}" (${problem})` });
  });
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. America/New_York');

export const seatsSchema = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('Contracted KnowBe4 seats: the audit, `companies over-seats` and the digest compare active users with it');

export const auditSchema = z
  .strictObject({
    cron: cron('0 7 * * 1').default('0 7 * * 1').describe('When the read-only audit runs (default Monday 07:00)'),
    timezone: timeZone.optional().describe("IANA time zone of the audit (default: the sync schedule's, else UTC)"),
    enabled: z.boolean().default(true).describe('Run the weekly audit and post it to the subscribed conversations'),
  })
  .prefault({})
  .describe('The weekly audit: drift, users at risk, what is stuck, seats, training reach');

export const digestSchema = z
  .strictObject({
    cron: cron('0 7 * * *').default('0 7 * * *').describe('When the digest is posted (default 07:00 every day)'),
    timezone: timeZone.default('UTC').describe('IANA time zone of the digest'),
    replacesSummaries: z.boolean().default(true).describe("Post no per-company summary in Teams: the digest lists every company's result (alerts and approvals are still posted)"),
  })
  .optional()
  .describe('One message a day across every client: who needs an admin first, then one line per company, paged under the Teams message limit (absent: a summary per company)');
