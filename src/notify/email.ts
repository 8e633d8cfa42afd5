/**
 * Summaries and alerts by e-mail, sent through Microsoft Graph `sendMail` from a configured
 * mailbox (the MSP workflow's "notification recipients").
 */
import { readFileSync } from 'node:fs';
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config';
import { graphEndpoints, type GraphCredential } from '../m365';
import { createCredential, graphScope } from '../m365';
import { sentWriteText, type Notifier, type NotifyEvent } from './events';
import { notificationHttp } from './http';

type EmailSettings = NonNullable<Config['notifications']['email']>;

/** Subject and plain-text body of an event. */
export function emailFor(event: NotifyEvent): { subject: string; text: string } {
  const name = event.company.name;
  switch (event.kind) {
    case 'summary': {
      const s = event.report.sync_summary;
      return {
        subject: `kb4sync: ${name} synced (${s.users_created} created, ${s.users_updated} updated, ${s.users_archived} archived)`,
        text: [
          `${name}: ${event.report.success ? 'sync completed' : 'sync completed with errors'} at ${s.sync_timestamp}.`,
          `Microsoft 365 users found: ${s.m365_users_found}; KnowBe4 users found: ${s.knowbe4_users_found}; matched: ${s.users_matched}.`,
          `Created ${s.users_created}, updated ${s.users_updated}, archived ${s.users_archived}; groups synced ${s.groups_synced}.`,
          ...event.report.errors.slice(0, 20).map((e) => `Error: ${e.user ?? e.operation}: ${e.message}`),
        ].join('\n'),
      };
    }
    case 'approval-needed':
      return { subject: `kb4sync: ${name} has changes waiting for approval`, text: `Tonight's plan for ${name} has changes. In Teams, type "preview sync ${name}" to review and apply them.` };
    case 'guard-blocked':
      return {
        subject: `kb4sync: ${name} blocked by the guard (${event.archiveCount} archives)`,
        text: [`Nothing was applied for ${name}. An admin must review the plan and confirm the archive count.`, ...event.reasons].join('\n'),
      };
    case 'failure':
      return {
        subject: `kb4sync: ${name} ${event.problem.kind === 'credential' ? 'needs new credentials' : 'sync failed'}`,
        text: [`${event.problem.service}: ${event.problem.message}`, event.problem.fix ? `Fix: ${event.problem.fix}` : '', `Failed runs in a row: ${event.consecutiveFailures}.`].filter(Boolean).join('\n'),
      };
    case 'config-rejected':
      return {
        subject: 'kb4sync: an edit of kb4sync.yaml was not loaded',
        text: [`${event.file} was changed but not loaded; kb4sync keeps running with the previous configuration. Fix:`, ...event.problems.map((p) => `- ${p}`)].join('\n'),
      };
    case 'audit': {
      const a = event.audit;
      return {
        subject: `kb4sync: weekly audit of ${name}${a.decisions.length ? ` (${a.decisions.length} to decide)` : ''}`,
        text: [
          ...(a.decisions.length ? ['Needs a decision:', ...a.decisions.map((d) => `- ${d}`)] : ['Nothing needs a decision.']),
          `Drift: ${a.drift.count}. At risk: ${a.atRisk.count}. Stuck: ${a.stuck.count}.`,
          `Seats: ${a.seats.used} used${a.seats.contracted === null ? '' : ` of ${a.seats.contracted}`}.`,
          a.reach ? `Never signed in: ${a.reach.neverSignedIn} of ${a.reach.inScope}.` : '',
          `In Teams, type "audit ${name}" for the rows.`,
        ]
          .filter(Boolean)
          .join('\n'),
      };
    }
    case 'digest': {
      const t = event.totals;
      return {
        subject: `kb4sync digest: ${t.needsAdmin} of ${t.companies} ${t.companies === 1 ? 'company' : 'companies'} ${t.needsAdmin === 1 ? 'needs' : 'need'} an admin`,
        // E-mail has no size limit worth paging for: every company, needs-an-admin first.
        text: event.rows.map((r) => `${r.needsAdmin ? '! ' : '  '}${r.name}: ${r.result}, ${r.detail}`).join('\n'),
      };
    }
    case 'writes-unconfirmed':
      return {
        subject: `kb4sync: ${name}: ${event.writes.length} changes KnowBe4 accepted but does not show after ${event.afterMinutes} minutes`,
        text: [
          `KnowBe4 accepted these changes for ${name} but still does not show them. kb4sync does not send them again while it waits.`,
          'Check the KnowBe4 console (Account Settings > User Provisioning) for a stuck or failed sync job.',
          ...event.writes.slice(0, 50).map((w) => `- ${sentWriteText(w)}`),
          ...(event.writes.length > 50 ? [`… and ${event.writes.length - 50} more`] : []),
        ].join('\n'),
      };
    case 'auto-paused':
      return {
        subject: `kb4sync: ${name} paused after ${event.consecutiveFailures} failures`,
        text: `Scheduled syncs for ${name} are paused. Last problem: ${event.lastProblem.message}\nType "resume ${name}" in Teams once it is fixed.`,
      };
  }
}

export class EmailNotifier implements Notifier {
  private readonly http: AxiosInstance;
  constructor(
    private readonly settings: EmailSettings,
    private readonly credential: GraphCredential,
    options: { retries?: number } = {},
  ) {
    this.http = notificationHttp({ timeoutMs: 15_000, retries: options.retries ?? 3 });
  }

  async notify(event: NotifyEvent): Promise<void> {
    const { m365, from, to } = this.settings;
    const trustedCa = m365.caFile ? readFileSync(m365.caFile, 'utf8') : undefined;
    const token = await createCredential({ m365 }, this.credential, trustedCa ? { trustedCa } : {}).getToken(graphScope({ m365 }));
    if (!token) throw new Error('e-mail: no token from Microsoft Entra for the sending app');
    const { subject, text } = emailFor(event);
    try {
      await this.http.post(
        `${graphEndpoints({ m365 }).graph.replace(/\/+$/, '')}/v1.0/users/${encodeURIComponent(from)}/sendMail`,
        { message: { subject, body: { contentType: 'Text', content: text }, toRecipients: to.map((address) => ({ emailAddress: { address } })) }, saveToSentItems: false },
        { headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' } },
      );
    } catch (err) {
      // Never pass on axios's error: its config holds the bearer token.
      const status = axios.isAxiosError(err) ? (err.response?.status ?? err.code ?? 'no response') : 'error';
      const hint = status === 403 ? ' (grant the Mail.Send application permission and admin consent)' : '';
      // eslint-disable-next-line preserve-caught-error -- the cause would carry the token (above)
      throw new Error(`e-mail through Graph failed: ${status}${hint}`);
    }
  }
}
