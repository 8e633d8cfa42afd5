/**
 * The template registry and the fitting loop: every card is an expansion of a template from
 * `cards/` (adaptivecards-templating; no card JSON is assembled by hand), measured and, when too
 * big for a Teams message, re-rendered with fewer rows until it fits.
 */
import { Template } from 'adaptivecards-templating';
import { moreText, plain } from './text';
import applyingTemplate from '../../../cards/applying.json';
import auditTemplate from '../../../cards/audit.json';
import digestTemplate from '../../../cards/digest.json';
import reviewTemplate from '../../../cards/review.json';
import autoPauseTemplate from '../../../cards/autoPause.json';
import choiceTemplate from '../../../cards/choice.json';
import companiesTemplate from '../../../cards/companies.json';
import credentialAlertTemplate from '../../../cards/credentialAlert.json';
import errorTemplate from '../../../cards/error.json';
import messageTemplate from '../../../cards/message.json';
import onboardingTemplate from '../../../cards/onboarding.json';
import failureAlertTemplate from '../../../cards/failureAlert.json';
import guardAlertTemplate from '../../../cards/guardAlert.json';
import helpTemplate from '../../../cards/help.json';
import previewTemplate from '../../../cards/preview.json';
import resultTemplate from '../../../cards/result.json';
import runsTemplate from '../../../cards/runs.json';
import summaryTemplate from '../../../cards/summary.json';
import statusTemplate from '../../../cards/status.json';

/** An expanded Adaptive Card, ready to be an attachment's `content`. */
export type CardJson = Record<string, unknown>;

/** Teams rejects messages over about 28 KB, card included. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
/** What a card may use: the rest of the limit is the activity envelope around it. */
export const CARD_BYTE_BUDGET = 26_000;

export const TEMPLATES = {
  preview: previewTemplate,
  applying: applyingTemplate,
  result: resultTemplate,
  error: errorTemplate,
  message: messageTemplate,
  onboarding: onboardingTemplate,
  runs: runsTemplate,
  companies: companiesTemplate,
  help: helpTemplate,
  choice: choiceTemplate,
  failureAlert: failureAlertTemplate,
  guardAlert: guardAlertTemplate,
  credentialAlert: credentialAlertTemplate,
  autoPause: autoPauseTemplate,
  summary: summaryTemplate,
  status: statusTemplate,
  audit: auditTemplate,
  digest: digestTemplate,
  review: reviewTemplate,
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/** UTF-8 byte length of the card as it goes on the wire. */
export function cardSize(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

// Templates are parsed once; Template copies the JSON it is given.
const compiled = new Map<TemplateName, Template>();

export function render(name: TemplateName, data: object): CardJson {
  let template = compiled.get(name);
  if (!template) {
    template = new Template(TEMPLATES[name]);
    compiled.set(name, template);
  }
  const card: unknown = template.expand({ $root: data });
  if (typeof card !== 'object' || card === null || Array.isArray(card)) {
    throw new Error(`card template ${name} did not expand to an object`);
  }
  return card as CardJson;
}

/** Row caps tried in turn until the card fits; the last one shows counts only. */
const ROW_LEVELS = [10, 6, 3, 1, 0] as const;

/** Render with the largest row cap that fits the budget; counts are never dropped. */
export function renderWithin(name: TemplateName, build: (rows: number, textMax: number) => object): CardJson {
  for (const rows of ROW_LEVELS) {
    for (const textMax of [120, 60]) {
      const card = render(name, build(rows, textMax));
      if (cardSize(card) <= CARD_BYTE_BUDGET) return card;
    }
  }
  // Only reachable with absurd scalar inputs (a megabyte company name): say so rather than fail to send.
  return errorCard({ title: 'Card too large', message: `The ${name} card does not fit in a Teams message.` });
}

export type Color = 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';
export type Style = 'default' | 'good' | 'warning' | 'attention' | 'emphasis';
export interface Row {
  label: string;
  detail: string;
}

export function capRows<T>(items: readonly T[], max: number, toRow: (item: T) => Row, where: string) {
  const shown = items.slice(0, max).map(toRow);
  const more = moreText(items.length, shown.length, where);
  return { rows: shown, more, hasMore: more !== '' };
}

export interface ErrorCardInput {
  title: string;
  message: string;
  fix?: string;
  /** Small print, e.g. a request id or the audit entry. */
  detail?: string;
}

export function errorCard(input: ErrorCardInput): CardJson {
  const card = render('error', {
    title: plain(input.title, 120),
    message: plain(input.message, 1000),
    fix: input.fix ? plain(input.fix, 1000) : '',
    hasFix: Boolean(input.fix),
    detail: input.detail ? plain(input.detail, 300) : '',
    hasDetail: Boolean(input.detail),
  });
  return card;
}
