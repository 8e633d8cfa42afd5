/**
 * The bot's and the notifier's cards, over the templates in cards/: turns what the run layer
 * returns into the inputs of the card builders (dates formatted, statuses named).
 */
import { sentWriteText, type NotifyEvent } from '../notify';
import type { RunRecord } from '../runs';
import type { Report } from '../sync';
import {
  applyingCard,
  auditCard,
  digestCard,
  reviewCard,
  autoPauseCard,
  choiceCard,
  companiesCard,
  onboardingCard,
  credentialAlertCard,
  failureAlertCard,
  guardAlertCard,
  helpCard,
  messageCard,
  previewCard,
  reportStatus,
  resultCard,
  runsCard,
  summaryCard,
  type CardJson,
  type CredentialProblem,
  type RunListItem,
  type RunListStatus,
} from './cards';
import type { BotViews } from './handlers/deps';

const when = (d: Date | null) => (d === null ? null : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

function runStatus(run: RunRecord): RunListStatus {
  if (run.status === 'running') return 'running';
  if (run.kind === 'preview') return run.report?.guard.status === 'blocked' ? 'blocked' : 'preview';
  if (run.status === 'succeeded') return 'success';
  if (run.status === 'partial') return 'partial';
  return 'failed';
}

function summaryOf(report: Report | null): string {
  if (!report) return '';
  const s = report.sync_summary;
  return `${s.users_created} created, ${s.users_updated} updated, ${s.users_archived} archived${report.conflicts.length ? `, ${report.conflicts.length} conflicts` : ''}`;
}

function runItem(run: RunRecord): RunListItem {
  return {
    runId: run.runId,
    when: when(run.startedAt) ?? '',
    kind: run.kind === 'sync-user' ? 'syncUser' : run.trigger === 'schedule' ? 'scheduled' : run.kind,
    status: runStatus(run),
    summary: run.error ?? summaryOf(run.report),
  };
}

/** Which fix a credential alert shows, by the problem's code. */
function credentialProblem(event: Extract<NotifyEvent, { kind: 'failure' }>): CredentialProblem {
  switch (event.problem.code) {
    case 'scim-token-refused':
    case 'scim-forbidden':
    case 'knowbe4-error':
      return 'scimTokenRevoked';
    case 'missing-permission':
    case 'app-not-found':
      return 'graphConsent';
    case 'invalid-certificate':
      return 'graphCertificate';
    default:
      return 'graphSecretExpired';
  }
}

export const views: BotViews & { notification(event: NotifyEvent): CardJson } = {
  help: () => helpCard(),
  message: ({ title, text, fix, tone }) => messageCard({ title, message: text, fix: fix ?? null, tone: tone ?? 'info' }),
  preview: ({ plan, planId, digest, expiresAt, links }) =>
    previewCard(plan, {
      planId,
      digest,
      csvUrl: links?.csv ?? 'http://127.0.0.1/unavailable',
      jsonUrl: links?.json ?? 'http://127.0.0.1/unavailable',
      expires: when(expiresAt) ?? undefined,
    }),
  applying: ({ plan, progress }) =>
    applyingCard({
      company: plan.company.name,
      runId: '',
      startedBy: '',
      phases: [
        {
          name: progress ? 'Applying' : 'Starting',
          done: progress ? progress.done + progress.skipped : 0,
          failed: progress?.failed ?? 0,
          total: progress?.total ?? plan.operations.length,
        },
      ],
    }),
  result: ({ report, status, error }) =>
    resultCard(error ? { ...report, errors: [{ operation: 'run', kind: 'create', user: null, message: error }, ...report.errors.filter((e) => e.message !== error)] } : report, {
      status: status === 'succeeded' ? 'success' : status === 'partial' ? 'partial' : 'failed',
    }),
  history: ({ company, runs }) => runsCard(company.name, runs.map(runItem)),
  onboarding: (input) => onboardingCard(input),
  companies: (rows) =>
    companiesCard(
      rows.map((r) => ({
        id: r.id,
        name: r.name,
        lastRun: when(r.lastRunAt),
        lastResult: r.lastRunStatus === null ? null : r.lastRunStatus === 'succeeded' ? 'success' : r.lastRunStatus === 'partial' ? 'partial' : r.lastRunStatus === 'running' ? 'running' : 'failed',
        nextRun: when(r.nextRunAt),
        paused: r.paused,
        note: r.note ?? null,
      })),
    ),
  status: ({ company, state, lastRun, nextRunAt }) =>
    lastRun?.report && lastRun.kind !== 'preview'
      ? resultCard(lastRun.report, { status: reportStatus(lastRun.report) })
      : companiesCard([
          {
            id: company.id,
            name: company.name,
            lastRun: when(state.lastRunAt),
            lastResult: state.lastRunStatus === null ? null : state.lastRunStatus === 'succeeded' ? 'success' : state.lastRunStatus === 'partial' ? 'partial' : 'failed',
            nextRun: when(nextRunAt),
            paused: state.paused,
          },
        ]),
  audit: (input) => auditCard(input),
  digest: (input) => digestCard(input).card,
  review: (input) => reviewCard(input),
  choice: ({ command, candidates, query, reason }) => choiceCard({ query, command, candidates, reason }),
  notification: (event) => {
    switch (event.kind) {
      case 'summary':
        return summaryCard({
          date: event.report.sync_summary.sync_timestamp.slice(0, 10),
          companies: [{ name: event.company.name, status: reportStatus(event.report), summary: summaryOf(event.report) }],
        });
      case 'approval-needed':
      case 'guard-blocked':
        // The preview card itself: Apply (with the confirmation box when blocked) right there.
        return event.kind === 'guard-blocked'
          ? guardAlertCard({ companyId: event.company.id, company: event.company.name, planId: event.planId, archiveCount: event.archiveCount, reasons: event.reasons })
          : messageCard({
              title: `${event.company.name}: changes waiting for approval`,
              message: `Tonight's plan has changes (${summaryOf(event.report)}). Type "preview sync ${event.company.name}" to review and apply.`,
              tone: 'info',
            });
      case 'failure':
        return event.problem.kind === 'credential'
          ? credentialAlertCard({ company: event.company.name, problem: credentialProblem(event), message: event.problem.message })
          : failureAlertCard({ companyId: event.company.id, company: event.company.name, runId: '', message: event.problem.fix ? `${event.problem.message} ${event.problem.fix}` : event.problem.message, failures: [], consecutiveFailures: event.consecutiveFailures });
      case 'config-rejected':
        return messageCard({
          title: 'An edit of kb4sync.yaml was not loaded',
          message: `kb4sync keeps running with the previous configuration. ${event.problems.slice(0, 10).join('; ')}`,
          fix: `Correct the field(s) named in ${event.file}; the service reloads it when saved.`,
          tone: 'warning',
        });
      case 'audit':
        return auditCard({ audit: event.audit, links: null });
      case 'digest':
        return digestCard({ title: `Daily digest · ${event.at.slice(0, 10)}`, view: 'digest', filter: null, rows: event.rows, totals: event.totals, offset: 0 }).card;
      case 'writes-unconfirmed':
        return messageCard({
          title: `${event.company.name}: ${event.writes.length} changes sent, not yet shown by KnowBe4`,
          message: `KnowBe4 accepted these changes but still does not show them after ${event.afterMinutes} minutes; kb4sync does not send them again while it waits. ${event.writes
            .slice(0, 10)
            .map(sentWriteText)
            .join('; ')}${event.writes.length > 10 ? `; … and ${event.writes.length - 10} more` : ''}`,
          fix: 'Check the KnowBe4 console (Account Settings > User Provisioning) for a stuck or failed sync job.',
          tone: 'warning',
        });
      case 'auto-paused':
        return autoPauseCard({ companyId: event.company.id, company: event.company.name, failures: event.consecutiveFailures, lastError: event.lastProblem.message });
    }
  },
};
