/**
 * The bot's and the notifier's cards, over the templates in cards/: turns what the run layer
 * returns into the inputs of the card builders (dates formatted, statuses named).
 */
import { sentWriteText, type NotifyEvent } from '../notify';
import type { RunRecord } from '../runs';
import { peopleOfReport, peopleSummary, type Report } from '../sync';
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
  statusCard,
  summaryCard,
  syncUserCard,
  type CardJson,
  type CredentialProblem,
  type RunListItem,
  type RunListStatus,
} from './cards';
import type { BotViews } from './handlers/deps';

const RUN_STATUSES: readonly RunListStatus[] = ['running', 'succeeded', 'partial', 'failed', 'interrupted'];
/** The store's status string, as the runs type it ('failed' for anything it does not know). */
const lastResultOf = (status: string | null): RunListStatus | null => (status === null ? null : (RUN_STATUSES.find((s) => s === status) ?? 'failed'));

const when = (d: Date | null) => (d === null ? null : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** The runs' own status; a preview ends as previewed or held by the guard. */
function runStatus(run: RunRecord): RunListStatus {
  if (run.kind === 'preview' && run.status !== 'running') return run.report?.guard.status === 'blocked' ? 'blocked' : 'preview';
  return run.status;
}

/** A run in people, in the words of the preview card (sync/people.ts). */
function summaryOf(report: Report | null): string {
  if (!report) return '';
  const people = peopleOfReport(report);
  const conflicts = report.conflicts.length;
  return `${peopleSummary(people)}${conflicts ? `; ${conflicts.toLocaleString('en-US')} ${conflicts === 1 ? 'conflict' : 'conflicts'}` : ''}`;
}

function runItem(run: RunRecord): RunListItem {
  return {
    runId: run.runId,
    when: run.startedAt.toISOString(),
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
  preview: ({ plan, planId, digest, expiresAt, links, confirmError }) =>
    previewCard(plan, {
      planId,
      digest,
      ...(confirmError ? { confirmError } : {}),
      csvUrl: links?.csv ?? 'http://127.0.0.1/unavailable',
      jsonUrl: links?.json ?? 'http://127.0.0.1/unavailable',
      expires: expiresAt.toISOString(),
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
  result: ({ report, status, error, nextRunAt }) =>
    resultCard(error ? { ...report, errors: [{ operation: 'run', kind: 'create', user: null, message: error }, ...report.errors.filter((e) => e.message !== error)] } : report, {
      status,
      nextRunAt: nextRunAt ? nextRunAt.toISOString() : null,
    }),
  syncUser: ({ address, company, plan, report, status, error }) => syncUserCard({ address, company: company.name, plan, report, status, error }),
  history: ({ company, runs }) => runsCard(company.name, runs.map(runItem)),
  onboarding: (input) => onboardingCard(input),
  companies: (rows) =>
    companiesCard(
      rows.map((r) => ({
        id: r.id,
        name: r.name,
        lastRun: when(r.lastRunAt),
        lastResult: lastResultOf(r.lastRunStatus),
        nextRun: when(r.nextRunAt),
        paused: r.paused,
        note: r.note ?? null,
      })),
    ),
  status: ({ company, state, lastRun, nextRunAt, pausedSince, pendingApprovals, openConflicts }) =>
    statusCard({
      companyId: company.id,
      company: company.name,
      paused: state.paused,
      pausedSince: state.paused && pausedSince ? pausedSince.at.toISOString() : null,
      pausedBy: state.paused && pausedSince ? pausedSince.by : null,
      lastRun: lastRun ? { at: (lastRun.finishedAt ?? lastRun.startedAt).toISOString(), status: runStatus(lastRun), summary: lastRun.error ?? summaryOf(lastRun.report) } : null,
      nextRun: state.paused || !nextRunAt ? null : nextRunAt.toISOString(),
      pendingApprovals: pendingApprovals ?? 0,
      openConflicts: openConflicts ?? lastRun?.report?.conflicts.length ?? 0,
    }),
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
          fix: `Correct ${event.problems.length === 1 ? 'the field' : 'the fields'} named above in ${event.file}; the service reloads it when saved.`,
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
