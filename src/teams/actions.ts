/**
 * What the cards' `Action.Execute` buttons send back (`invoke` `adaptiveCard/action`:
 * `value.action.verb` and `value.action.data`). Invokes can be forged or replayed from old cards,
 * so the handler parses them with these schemas before acting. Card inputs (`confirmArchive`)
 * arrive merged into `data`, as strings.
 */
import { z } from 'zod';

const id = z.string().trim().min(1).max(200);

export const cardActionSchema = z.discriminatedUnion('verb', [
  z.object({
    verb: z.literal('apply'),
    data: z.object({
      planId: id,
      digest: id,
      // Teams sends Input.Number values as strings; an empty box arrives as '' or not at all.
      confirmArchive: z
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
        }),
    }),
  }),
  z.object({ verb: z.literal('cancel'), data: z.object({ planId: id, digest: id }) }),
  z.object({ verb: z.literal('choose'), data: z.object({ companyId: id, command: z.enum(['preview', 'status', 'runs', 'pause', 'resume']) }) }),
  z.object({ verb: z.literal('retry'), data: z.object({ companyId: id, runId: id }) }),
  z.object({ verb: z.literal('pause'), data: z.object({ companyId: id }) }),
  z.object({ verb: z.literal('resume'), data: z.object({ companyId: id }) }),
  z.object({ verb: z.literal('review'), data: z.object({ companyId: id, planId: id }) }),
  z.object({ verb: z.literal('checkConsent'), data: z.object({ companyId: id }) }),
]);

export type CardAction = z.output<typeof cardActionSchema>;
export type CardVerb = CardAction['verb'];

/** Parse `value.action` of an adaptiveCard/action invoke; null when it is not one of ours. */
export function parseCardAction(action: unknown): CardAction | null {
  const result = cardActionSchema.safeParse(action);
  return result.success ? result.data : null;
}
