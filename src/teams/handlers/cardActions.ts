/**
 * What the cards' `Action.Execute` buttons send back (`invoke` `adaptiveCard/action`:
 * `value.action.verb` and `value.action.data`). Invokes can be forged or replayed from old cards,
 * so they are parsed with this schema before anything runs: ids are taken exactly as our cards
 * write them (no trimming: "acme " is not "acme"), a digest is the plan's SHA-256 in hex, and card
 * inputs (`confirmArchive`) arrive merged into `data`, as strings.
 */
import { z } from 'zod';
import { COMPANY_FILTERS } from '../../sync';

const id = z.string().min(1).max(200);
const digest = z.string().regex(/^[0-9a-f]{64}$/);

// Teams sends Input.Number values as strings; an empty box arrives as '' or not at all.
const confirmArchive = z
  .union([z.number(), z.string().trim()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isSafeInteger(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: 'confirmArchive must be a whole number' });
      return z.NEVER;
    }
    return n;
  });

const opIds = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => (s === '' ? [] : s.split('|')))
    // Checked against the plan itself by the core (an id it does not hold is refused).
    .pipe(z.array(z.string().min(1).max(200)));
const selection = z.looseObject({
  planId: id,
  digest,
  offset: z.string().regex(/^\d{1,6}$/).transform(Number),
  ops: opIds(30 * 210),
  held: opIds(200_000),
  reason: z.string().trim().max(200).optional(),
  /** Addresses of the standing holds the card showed (unhold_<j> toggles). */
  standing: z
    .string()
    .max(20 * 320)
    .optional()
    .transform((s) => (s ? s.split('|') : [])),
  confirmArchive,
});

export const cardActionSchema = z.discriminatedUnion('verb', [
  z.object({
    verb: z.literal('apply'),
    data: z.object({
      planId: id,
      digest,
      confirmArchive,
    }),
  }),
  // Like Apply, Cancel needs the card's digest: a forged click knows only a plan id.
  z.object({ verb: z.literal('cancel'), data: z.object({ planId: id, digest }) }),
  z.object({ verb: z.literal('choose'), data: z.object({ companyId: id, command: z.enum(['preview', 'status', 'runs', 'audit', 'pause', 'resume']) }) }),
  // An alert that is not about one run (a failure before the run started) carries an empty run id.
  z.object({ verb: z.literal('retry'), data: z.object({ companyId: id, runId: z.string().max(200).optional() }) }),
  z.object({ verb: z.literal('pause'), data: z.object({ companyId: id }) }),
  // Review new users and archives (and its Next), Apply selected: ids exactly as the card wrote
  // them, toggles merged in as keep_<i> / always_<i> = 'true' | 'false', an optional reason.
  z.object({ verb: z.literal('reviewHolds'), data: selection }),
  z.object({ verb: z.literal('applySelected'), data: selection }),
  // "Next 50" under the digest or `companies`: the offset arrives as the string the card wrote.
  z.object({
    verb: z.literal('companiesPage'),
    data: z.object({
      view: z.enum(['digest', 'companies']),
      filter: z.union([z.enum(COMPANY_FILTERS), z.literal('')]).transform((f) => (f === '' ? null : f)),
      offset: z.string().regex(/^\d{1,6}$/).transform(Number),
    }),
  }),
  z.object({ verb: z.literal('resume'), data: z.object({ companyId: id }) }),
  z.object({ verb: z.literal('review'), data: z.object({ companyId: id, planId: id }) }),
  // The domain rides along only to be shown again on the answer card; it decides nothing.
  z.object({ verb: z.literal('checkConsent'), data: z.object({ companyId: id, domain: z.string().max(253).optional() }) }),
]);

export type CardAction = z.output<typeof cardActionSchema>;
export type CardVerb = CardAction['verb'];

/** Parse `value.action` of an adaptiveCard/action invoke; null when it is not one of ours. */
export function parseCardAction(action: unknown): CardAction | null {
  const result = cardActionSchema.safeParse(action);
  return result.success ? result.data : null;
}
