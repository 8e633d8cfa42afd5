/**
 * Asking back instead of failing: a command without its argument asks for it, an unclear company
 * gets a choice, and a command that changes something never acts on a guessed name: it asks
 * "Did you mean …?" with a button (an exact company id, through the strict `choose` schema).
 */
import type { IncompleteCommand } from '../commands';
import type { ChoiceCommand } from '../cards/ask';
import type { Card, Reply } from '../transport';
import { companiesOf, type BotDeps } from './deps';

type CompanyRef = { id: string; name: string };

/** Commands that change state: a guessed company is confirmed first. */
const CHANGES: ReadonlySet<ChoiceCommand> = new Set(['pause', 'resume']);

/** Every company, the ones that ran most recently first (then by name). */
export async function recentCompanies(deps: BotDeps): Promise<CompanyRef[]> {
  const companies = companiesOf(deps);
  const states = await Promise.all(companies.map((c) => deps.store.getCompanyState(c.id)));
  return companies
    .map((company, i) => ({ company, at: states[i]?.lastRunAt?.getTime() ?? -Infinity }))
    .sort((a, b) => b.at - a.at || a.company.name.localeCompare(b.company.name))
    .map((x) => x.company);
}

/** A company found from what was typed, and whether it was a guess (a prefix or a typo). */
export interface Resolved {
  company: CompanyRef;
  /** Set when the name was guessed: the answer says so ("Showing Acme Corp for "acmee""). */
  note: string | null;
}

/**
 * Finds the company a command is about, or asks (a choice card) and returns null: several
 * matches, none, or a guessed name for a command that changes something.
 */
export async function resolveCompany(deps: BotDeps, reply: Reply, query: string, command: ChoiceCommand): Promise<Resolved | null> {
  const found = deps.findCompany(query, companiesOf(deps));
  const { views } = deps;
  if (found.kind === 'match') {
    if (found.exact) return { company: found.company, note: null };
    if (!CHANGES.has(command)) return { company: found.company, note: `Showing ${found.company.name}: the closest name to "${query}".` };
    await reply.card(views.choice({ command, query, candidates: [found.company], reason: 'confirm' }));
    return null;
  }
  if (found.kind === 'ambiguous') {
    await reply.card(views.choice({ command, query, candidates: found.candidates, reason: 'ambiguous' }));
    return null;
  }
  const candidates = found.suggestions.length > 0 ? found.suggestions : await recentCompanies(deps);
  await reply.card(views.choice({ command, query, candidates, reason: 'unknown' }));
  return null;
}

/** Sends the note about a guessed name (if any), then the answer. */
export async function answer(deps: BotDeps, reply: Reply, resolved: Resolved, card: Card): Promise<void> {
  if (resolved.note) await reply.card(deps.views.message({ title: resolved.note, text: 'Type the exact name or id if you meant another company.' }));
  await reply.card(card);
}

/** A command typed without its argument (or with one it cannot use): ask for it. */
export async function askFor(deps: BotDeps, reply: Reply, command: IncompleteCommand, given: string): Promise<void> {
  const { views } = deps;
  switch (command) {
    case 'syncUser':
      await reply.card(
        views.message({
          title: 'Which person?',
          text: `${given ? `"${given}" is not an e-mail address. ` : ''}I need their e-mail address, e.g. "sync user ada.lovelace@contoso.com".`,
          tone: 'warning',
        }),
      );
      return;
    case 'onboard':
      await reply.card(
        views.message({
          title: 'Which client?',
          text: "I need the client's name, its e-mail domain and its KnowBe4 Tenant URL, e.g. \"onboard Contoso Ltd contoso.com https://…\" (the Tenant URL is under User Provisioning in the KnowBe4 console).",
          tone: 'warning',
        }),
      );
      return;
    default:
      await reply.card(views.choice({ command, query: '', candidates: await recentCompanies(deps), reason: 'missing' }));
  }
}
