/**
 * Parses a card with the real `adaptivecards` renderer model. Its package `main` is an ES module
 * build that Node cannot load (extensionless imports), so the UMD bundle in dist/ is used; parsing
 * needs no DOM (only rendering does).
 */
import { createRequire } from 'node:module';

const AC = createRequire(__filename)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

export interface ParseResult {
  card: InstanceType<typeof AC.AdaptiveCard>;
  messages: string[];
}

export function parseCard(json: object): ParseResult {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const messages: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    messages.push(`${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  // Parsing skips some rules (e.g. inputs need ids); the validator checks those.
  for (const event of card.validateProperties().validationEvents) {
    messages.push(`${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  return { card, messages };
}

/** Every node of a JSON value, depth first. */
export function* walk(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* walk(v);
  else if (value !== null && typeof value === 'object') {
    yield value as Record<string, unknown>;
    for (const v of Object.values(value)) yield* walk(v);
  }
}

export function findAll(card: unknown, predicate: (node: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  return [...walk(card)].filter(predicate);
}

/** All visible text of a card, joined. */
export function textOf(card: unknown): string {
  return [...walk(card)]
    .flatMap((n) => [n.text, n.title, n.value].filter((v): v is string => typeof v === 'string'))
    .join('\n');
}
