/**
 * What kb4sync tells people without being asked. One event type for every channel (Teams,
 * e-mail, webhook), so each channel only decides how an event looks.
 */
import type { M365ErrorCode } from '../m365';
import type { AccountAudit, DigestRow, DigestTotals, Plan, SentWrite } from '../sync';
import type { Report } from '../sync';

export interface CompanyRef {
  id: string;
  name: string;
}

/** An error in words an admin can act on. */
/**
 * What failed, as a code the views and alerts branch on (never the message text): the Graph
 * connector's own codes, and KnowBe4's.
 */
export type ProblemCode =
  | M365ErrorCode
  | 'scim-token-refused'
  | 'scim-forbidden'
  | 'knowbe4-error'
  /** An interrupted apply whose plan grew too old for the service to finish it: preview again. */
  | 'plan-too-old-to-resume'
  | 'internal';

export interface ProblemDescription {
  /** credential: a revoked token or expired secret; the run cannot work until someone fixes it. */
  kind: 'credential' | 'failure';
  code: ProblemCode;
  /** Which side failed. */
  service: 'Microsoft 365' | 'KnowBe4' | 'kb4sync';
  message: string;
  fix: string | null;
}

export type NotifyEvent =
  | { kind: 'summary'; company: CompanyRef; runId: string; report: Report }
  | { kind: 'approval-needed'; company: CompanyRef; planId: string; digest: string; expiresAt: Date; report: Report; plan: Plan }
  | { kind: 'guard-blocked'; company: CompanyRef; planId: string; digest: string; report: Report; reasons: string[]; archiveCount: number }
  | { kind: 'failure'; company: CompanyRef; problem: ProblemDescription; consecutiveFailures: number }
  | { kind: 'auto-paused'; company: CompanyRef; consecutiveFailures: number; lastProblem: ProblemDescription }
  /** Creates, renames and archives KnowBe4 accepted but still does not show after `afterMinutes`. */
  | { kind: 'writes-unconfirmed'; company: CompanyRef; writes: SentWrite[]; afterMinutes: number }
  /** An edit of kb4sync.yaml that was refused: the service kept the configuration it runs. */
  | { kind: 'config-rejected'; company: CompanyRef; file: string; problems: string[] }
  /** The scheduled (weekly) audit of one company. */
  | { kind: 'audit'; company: CompanyRef; auditId: string; audit: AccountAudit }
  /** The daily digest across every company (sent as DIGEST_REF: to conversations that hear about all of them). */
  | { kind: 'digest'; company: CompanyRef; at: string; rows: DigestRow[]; totals: DigestTotals };

/** The sender of the digest: conversations that hear about every company get it. */
export const DIGEST_REF: CompanyRef = { id: 'kb4sync-digest', name: 'kb4sync digest' };

/** The sender of messages about the configuration itself: every subscription hears them. */
export const CONFIGURATION_REF: CompanyRef = { id: 'kb4sync-configuration', name: 'kb4sync configuration' };

export interface Notifier {
  notify(event: NotifyEvent): Promise<void>;
}

/** Sends each event to several notifiers; one channel failing does not stop the others. */
export class FanOutNotifier implements Notifier {
  constructor(
    private readonly notifiers: Notifier[],
    private readonly onError: (error: unknown, event: NotifyEvent) => void,
  ) {}

  async notify(event: NotifyEvent): Promise<void> {
    await Promise.all(
      this.notifiers.map((n) =>
        n.notify(event).catch((error: unknown) => {
          this.onError(error, event);
        }),
      ),
    );
  }
}

/** Keeps events in memory (tests, and the sandbox when nobody subscribed). */
export class MemoryNotifier implements Notifier {
  readonly events: NotifyEvent[] = [];
  async notify(event: NotifyEvent): Promise<void> {
    this.events.push(event);
  }
}

/** One sent write in words: "create alice@acme.com, sent 2026-12-02T02:00:00.000Z". */
export function sentWriteText(w: SentWrite): string {
  return `${w.kind} ${w.userName}, sent ${w.sentAt}`;
}
