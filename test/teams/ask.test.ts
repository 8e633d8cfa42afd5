/** The "which company?" card: buttons for a few, a searchable list for many; every click parses strictly. */
import { CARD_BYTE_BUDGET, cardSize, choiceCard, MAX_CHOICES, MAX_PICKER } from '../../src/teams/cards';
import { parseCardAction } from '../../src/teams/handlers/cardActions';
import { findAll, parseCard, textOf } from './cardHelpers';

const companies = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `client-${i}`, name: `Client ${i} Holdings` }));

function expectValid(card: Record<string, unknown>): void {
  expect(parseCard(card).messages).toEqual([]);
  expect(cardSize(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  expect(JSON.stringify(card)).not.toMatch(/\$\{|"\$when"|"\$data"/);
}

describe('choiceCard', () => {
  it('a few companies: one button each, in the order given, with exact ids', () => {
    const card = choiceCard({ query: '', command: 'runs', candidates: companies(MAX_CHOICES), reason: 'missing' });
    expectValid(card);
    const buttons = findAll(card, (n) => n.type === 'Action.Execute');
    expect(buttons.map((b) => b.data)).toEqual(companies(MAX_CHOICES).map((c) => ({ companyId: c.id, command: 'runs' })));
    expect(findAll(card, (n) => n.type === 'Input.ChoiceSet')).toEqual([]);
    for (const b of buttons) expect(parseCardAction({ verb: b.verb, data: b.data })).not.toBeNull();
  });

  it('many companies: a searchable list (capped) and one button; the click parses only with a company picked', () => {
    const card = choiceCard({ query: '', command: 'preview', candidates: companies(500), reason: 'missing' });
    expectValid(card);
    const [picker] = findAll(card, (n) => n.type === 'Input.ChoiceSet');
    expect(picker).toMatchObject({ id: 'companyId', style: 'filtered', value: 'client-0' });
    expect(picker?.choices).toHaveLength(MAX_PICKER);
    expect(textOf(card)).toContain(`+${500 - MAX_PICKER} more companies`);
    const buttons = findAll(card, (n) => n.type === 'Action.Execute');
    expect(buttons).toHaveLength(1);
    const data = buttons[0]?.data as Record<string, unknown>;
    // Teams merges the list's value into the button's data under the input's id.
    expect(parseCardAction({ verb: 'choose', data: { ...data, companyId: 'client-7' } })).toEqual({ verb: 'choose', data: { companyId: 'client-7', command: 'preview' } });
    expect(parseCardAction({ verb: 'choose', data })).toBeNull();
    expect(parseCardAction({ verb: 'choose', data: { ...data, companyId: '' } })).toBeNull();
  });

  it('asks before a change on a guessed name, naming the company on the button', () => {
    const card = choiceCard({ query: 'acmee', command: 'pause', candidates: [{ id: 'acme', name: 'Acme Corp' }], reason: 'confirm' });
    expectValid(card);
    expect(textOf(card)).toContain('Did you mean Acme Corp?');
    expect(findAll(card, (n) => n.type === 'Action.Execute')).toEqual([expect.objectContaining({ title: 'Pause Acme Corp', data: { companyId: 'acme', command: 'pause' } })]);
  });

  it('escapes what was typed', () => {
    const card = choiceCard({ query: '[x](https://evil.example)', command: 'status', candidates: [], reason: 'unknown' });
    expect(textOf(card)).not.toContain('[x](https://evil.example)');
  });
});
