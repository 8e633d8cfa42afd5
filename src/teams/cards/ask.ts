/**
 * The bot asking back instead of failing: which company a command is about (a button each for a
 * few, a searchable list for many), or whether a guessed name is the one meant before a command
 * that changes something acts on it. Every button is a `choose` click with an exact company id.
 */
import type { CompanyRef } from '../companyMatch';
import { render, type CardJson } from './render';
import { moreText, plain, truncate } from './text';

/** Adaptive Card hosts (the default host config, and Teams on mobile) show at most five actions. */
export const MAX_CHOICES = 5;
/** A searchable list stays far under the message size limit with this many names. */
export const MAX_PICKER = 100;

export type ChoiceCommand = 'preview' | 'status' | 'runs' | 'audit' | 'pause' | 'resume';
const CHANGES: ReadonlySet<ChoiceCommand> = new Set(['pause', 'resume']);

/**
 * Why the bot asks: several companies match (`ambiguous`), the command named none (`missing`),
 * nothing matched (`unknown`, candidates are the closest names), or a command that changes
 * something got a guessed name (`confirm`, one candidate).
 */
export type ChoiceReason = 'ambiguous' | 'missing' | 'unknown' | 'confirm';

export interface ChoiceInput {
  /** What the admin typed for the company ('' when nothing). */
  query: string;
  /** The command to run once chosen; echoed back in the button data. */
  command: ChoiceCommand;
  /** In the order to offer them (most likely or most recent first). */
  candidates: readonly CompanyRef[];
  reason?: ChoiceReason;
}

/** What each command does, for the sentence and the buttons ("Preview Acme Corp"). */
const DOING: Record<ChoiceCommand, { verb: string; typed: string }> = {
  preview: { verb: 'Preview', typed: 'preview sync <company>' },
  status: { verb: 'Status of', typed: 'status <company>' },
  runs: { verb: 'Runs of', typed: 'runs <company>' },
  audit: { verb: 'Audit', typed: 'audit <company>' },
  pause: { verb: 'Pause', typed: 'pause <company>' },
  resume: { verb: 'Resume', typed: 'resume <company>' },
};

function wording(input: ChoiceInput, reason: ChoiceReason): { title: string; text: string } {
  const query = plain(input.query, 80);
  const doing = DOING[input.command];
  switch (reason) {
    case 'confirm':
      return {
        title: `Did you mean ${plain(input.candidates[0]?.name ?? '', 60)}?`,
        text: `"${query}" is not the exact name of a company, and \`${input.command}\` changes something, so I ask first. Nothing has changed yet.`,
      };
    case 'missing':
      return { title: 'Which company?', text: `Pick one (most recent first), or type \`${doing.typed}\`.` };
    case 'unknown':
      return input.candidates.length > 0
        ? { title: `No company called "${query}"`, text: 'Did you mean one of these?' }
        : { title: `No company called "${query}"`, text: 'Type `companies` to list them.' };
    case 'ambiguous':
      return { title: 'Which company?', text: `"${query}" matches more than one company. Pick one:` };
  }
}

export function choiceCard(input: ChoiceInput): CardJson {
  const reason = input.reason ?? 'ambiguous';
  const { title, text } = wording(input, reason);
  const doing = DOING[input.command];
  const usePicker = input.candidates.length > MAX_CHOICES;
  const listed = input.candidates.slice(0, usePicker ? MAX_PICKER : MAX_CHOICES);
  // A button that changes something says what it does ("Pause Acme Corp"); others name the company.
  const buttonTitle = (name: string) => (reason === 'confirm' || CHANGES.has(input.command) ? `${doing.verb} ${truncate(name, 60)}` : truncate(name, 60));
  return render('choice', {
    title,
    text,
    command: input.command,
    choices: usePicker ? [] : listed.map((c) => ({ id: c.id, title: buttonTitle(c.name) })),
    usePicker,
    picker: usePicker ? listed.map((c) => ({ id: c.id, name: truncate(c.name, 80) })) : [],
    pickerValue: listed[0]?.id ?? '',
    go: doing.verb.replace(/ of$/, ''),
    more: `${moreText(input.candidates.length, listed.length, 'companies')}: type more of the name.`,
    hasMore: input.candidates.length > listed.length,
  });
}
