/**
 * Pure command parser for what an admin types to the bot. The transport strips the @mention, but
 * Teams sometimes leaves `<at>…</at>` fragments, HTML entities or non-breaking spaces behind, so
 * the parser cleans those itself and never throws: anything it cannot read is `unknown`.
 */

import { COMPANY_FILTERS, type CompanyFilter } from '../sync';

export type Command =
  | { kind: 'preview'; company: string }
  | { kind: 'syncUser'; email: string }
  | { kind: 'status'; company?: string }
  | { kind: 'companies'; filter?: CompanyFilter }
  | { kind: 'onboard'; name: string; domain: string; scimUrl: string | null }
  | { kind: 'runs'; company: string }
  | { kind: 'audit'; company: string }
  | { kind: 'pause'; company: string }
  | { kind: 'resume'; company: string }
  | { kind: 'subscribe' }
  | { kind: 'unsubscribe' }
  | { kind: 'help' }
  /** A known command without its argument, or with one it cannot use: the bot asks for it. */
  | { kind: 'incomplete'; command: IncompleteCommand; given: string }
  | { kind: 'unknown'; text: string };

/** The commands that take an argument the bot can ask for. */
export type IncompleteCommand = 'preview' | 'syncUser' | 'runs' | 'audit' | 'pause' | 'resume' | 'onboard';

export type CommandKind = Command['kind'];

/**
 * Every command with a one-line description: the help card lists them all; the manifest's
 * commandLists, which Teams caps at 10, those not marked `manifest: false`.
 */
export const COMMAND_HELP: readonly { usage: string; title: string; description: string; manifest?: false }[] = [
  { usage: 'preview sync <company>', title: 'preview sync', description: 'Show exactly what a sync would change, with Apply and Cancel' },
  { usage: 'sync user <email>', title: 'sync user', description: 'Sync one Microsoft 365 user to KnowBe4 now' },
  { usage: 'status [company]', title: 'status', description: 'Last run and next scheduled run' },
  { usage: 'companies', title: 'companies', description: 'Every company, those needing an admin first (companies failing | over-seats | attention | waiting | paused)' },
  { usage: 'audit <company>', title: 'audit', description: 'Read-only audit: drift, users at risk, stuck items, seats, training reach', manifest: false },
  { usage: 'runs <company>', title: 'runs', description: 'Recent runs of a company' },
  { usage: 'pause <company>', title: 'pause', description: 'Stop scheduled syncs for a company' },
  { usage: 'resume <company>', title: 'resume', description: 'Restart scheduled syncs for a company' },
  {
    usage: 'onboard <name> <domain> <KnowBe4 Tenant URL>',
   
    title: 'onboard',
    description: 'Add a client company (admins): asks its Microsoft 365 admin for consent; nothing is written to KnowBe4',
    manifest: false,
  },
  { usage: 'subscribe', title: 'subscribe', description: 'Post nightly summaries and alerts in this conversation' },
  { usage: 'unsubscribe', title: 'unsubscribe', description: 'Stop summaries and alerts in this conversation' },
  { usage: 'help', title: 'help', description: 'Show these commands' },
];

/** Longest input we look at: commands are short, and this bounds the work on pasted junk. */
const MAX_INPUT = 500;
const MAX_ARGUMENT = 200;

/** Turn raw message text into plain words: no mention tags, HTML, entities or odd whitespace. */
export function cleanText(raw: string): string {
  return raw
    .slice(0, MAX_INPUT * 4)
    .replace(/<at\b[^>]*>[\s\S]*?<\/at>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;/gi, "'")
    .replace(/[\s\u00a0\u200b\ufeff]+/g, ' ')
    .trim()
    .slice(0, MAX_INPUT);
}

/** Quotes people type around names ("Acme Corp", “Acme”) are not part of the name. */
function argument(text: string): string {
  return text
    .trim()
    .replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, '')
    .replace(/[?!.]+$/, '')
    .trim()
    .slice(0, MAX_ARGUMENT);
}

const EMAIL = /^[^\s@<>()[\]{}",;:]+@[^\s@<>()[\]{}",;:]+\.[^\s@<>()[\]{}",;:]+$/;

/** Teams renders typed addresses as mailto links; after cleaning, take the bare address. */
function emailArgument(text: string): string | null {
  const candidate = argument(text).replace(/^mailto:/i, '');
  return EMAIL.test(candidate) ? candidate.toLowerCase() : null;
}

export function parseCommand(raw: string): Command {
  const text = cleanText(typeof raw === 'string' ? raw : '');
  const unknown: Command = { kind: 'unknown', text };
  const incomplete = (command: IncompleteCommand, given = ''): Command => ({ kind: 'incomplete', command, given });
  if (text === '') return { kind: 'help' };
  const lower = text.toLowerCase();
  const [first = '', ...restWords] = lower.split(' ');
  // Arguments keep the admin's casing; only keywords are case-insensitive.
  const rest = (skipWords: number): string => text.split(' ').slice(skipWords).join(' ');
  const word2 = restWords[0] ?? '';

  switch (first) {
    case 'help':
    case '?':
    case 'commands':
      return { kind: 'help' };
    case 'preview': {
      // `preview sync Acme`, `preview Acme`, `preview sync for Acme`
      let skip = 1;
      if (word2 === 'sync') skip = 2;
      if ((lower.split(' ')[skip] ?? '') === 'for') skip += 1;
      const company = argument(rest(skip));
      return company ? { kind: 'preview', company } : incomplete('preview');
    }
    case 'sync': {
      if (word2 === 'user') {
        const email = emailArgument(rest(2));
        return email ? { kind: 'syncUser', email } : incomplete('syncUser', argument(rest(2)));
      }
      // `sync a@b.com` is a single user; `sync Acme` would write without a preview, so it previews.
      const email = emailArgument(rest(1));
      if (email) return { kind: 'syncUser', email };
      const company = argument(rest(1));
      return company ? { kind: 'preview', company } : incomplete('preview');
    }
    case 'status': {
      const company = argument(rest(1));
      return company ? { kind: 'status', company } : { kind: 'status' };
    }
    case 'companies':
    case 'tenants':
    case 'clients': {
      if (restWords.length === 0) return { kind: 'companies' };
      // `companies over seats` reads as over-seats.
      const filter = restWords.join('-');
      return restWords.length <= 2 && (COMPANY_FILTERS as readonly string[]).includes(filter) ? { kind: 'companies', filter: filter as CompanyFilter } : unknown;
    }
    case 'list':
      return word2 === 'companies' && restWords.length === 1 ? { kind: 'companies' } : unknown;
    case 'runs':
    case 'history': {
      const company = argument(rest(1));
      return company ? { kind: 'runs', company } : incomplete('runs');
    }
    case 'audit': {
      const company = argument(rest(1));
      return company ? { kind: 'audit', company } : incomplete('audit');
    }
    case 'pause':
    case 'resume': {
      const company = argument(rest(1));
      return company ? { kind: first, company } : incomplete(first);
    }
    case 'onboard': {
      // `onboard Contoso Ltd contoso.com https://…/scim/v2/…`: the KnowBe4 Tenant URL last (when
      // given), the domain before it, the words before that the name.
      const words = rest(1).trim().split(' ').filter(Boolean);
      const scimUrl = /^https?:\/\//i.test(words.at(-1) ?? '') ? (words.pop() as string) : null;
      const domain = argument(words.at(-1) ?? '').toLowerCase();
      const name = argument(words.slice(0, -1).join(' '));
      return name && domain.includes('.') ? { kind: 'onboard', name, domain, scimUrl } : incomplete('onboard', argument(rest(1)));
    }
    case 'subscribe':
      return restWords.length === 0 ? { kind: 'subscribe' } : unknown;
    case 'unsubscribe':
      return restWords.length === 0 ? { kind: 'unsubscribe' } : unknown;
    default:
      return unknown;
  }
}
