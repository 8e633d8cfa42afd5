import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyingCard,
  autoPauseCard,
  CARD_BYTE_BUDGET,
  cardSize,
  choiceCard,
  companiesCard,
  credentialAlertCard,
  errorCard,
  failureAlertCard,
  guardAlertCard,
  helpCard,
  planCounts,
  previewCard,
  reportStatus,
  resultCard,
  runsCard,
  summaryCard,
  TEAMS_MESSAGE_LIMIT_BYTES,
  TEMPLATES,
  type CardJson,
} from '../../src/teams/cards';
import { parseCardAction } from '../../src/teams/handlers/cardActions';
import { findAll, parseCard, textOf } from './cardHelpers';
import { bigPlan, emptyPlan, failures, seedReport } from './fixtures';

/** A plan digest as the store makes them: SHA-256 in hex. */
const DIGEST = 'ab'.repeat(32);
const URLS = { csvUrl: 'https://bot.example.com/diff/p1.csv?sig=abc', jsonUrl: 'https://bot.example.com/diff/p1.json?sig=abc' };
const preview = (n: number, blocked = false) => previewCard(bigPlan(n, { blocked }), { planId: 'plan-1', digest: DIGEST, ...URLS });

function expectValid(card: CardJson): void {
  const { messages } = parseCard(card);
  expect(messages).toEqual([]);
  expect(cardSize(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  // Nothing left unbound by the templating engine.
  expect(JSON.stringify(card)).not.toMatch(/\$\{|"\$when"|"\$data"/);
}

describe('card templates', () => {
  const dir = join(__dirname, '..', '..', 'cards');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('every template file is valid JSON for Adaptive Cards 1.5 and is registered', () => {
    expect(files.sort()).toEqual(Object.keys(TEMPLATES).map((n) => `${n}.json`).sort());
    for (const file of files) {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      expect(json).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    }
  });
});

describe('the card checker', () => {
  it('reports what Teams would reject', () => {
    const { messages } = parseCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Number' }, { type: 'TextBlock', text: 'x', color: 'Purple' }, { type: 'Bogus' }] });
    expect(messages).toEqual([expect.stringContaining('Purple'), expect.stringContaining('Bogus'), expect.stringMatching(/id/i)]);
  });
});

describe('cardSize', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(cardSize({ t: 'é' })).toBe(Buffer.byteLength('{"t":"é"}'));
    expect(CARD_BYTE_BUDGET).toBeLessThan(TEAMS_MESSAGE_LIMIT_BYTES);
  });
});

describe('previewCard', () => {
  it.each([0, 1, 20, 2_000, 50_000])('renders a valid card within budget for %i changes', (n) => {
    expectValid(preview(n));
    expectValid(preview(n, true));
  });

  it('shows the plan counts in the counts row', () => {
    const plan = bigPlan(2_000);
    const counts = planCounts(plan);
    const card = previewCard(plan, { planId: 'p', digest: 'd', ...URLS });
    const columns = findAll(card, (n) => n.type === 'Column' && Array.isArray(n.items));
    const shown = Object.fromEntries(
      columns.map((c) => {
        const [value, label] = (c.items as { text: string }[]).map((i) => i.text);
        return [label, Number((value ?? '').replace(/,/g, ''))];
      }),
    );
    expect(shown).toEqual({
      Create: counts.create,
      Update: counts.update,
      Archive: counts.archive,
      Groups: counts.groups,
      Conflicts: counts.conflicts,
      'Not managed': counts.unmanaged,
    });
    expect(counts.create + counts.update + counts.archive + counts.groups).toBe(plan.operations.length);
  });

  it('caps each section and says how many more there are', () => {
    const plan = bigPlan(2_000);
    const text = textOf(previewCard(plan, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toMatch(/\+\d[\d,]* more create/);
    expect(text).toMatch(/\+\d[\d,]* more archive/);
    expect(text).toContain('Archive (250)');
    expect(text).toContain('Test Mode');
  });

  it('lists unreadable KnowBe4 records with their reason in one section, capped like the others', () => {
    const unreadable = Array.from({ length: 40 }, (_, i) => ({ resource: 'user' as const, id: `odd${i}`, name: `odd${i}@acme.com`, externalId: null, reason: 'active is "maybe"', heldSourceIds: [] }));
    const text = textOf(previewCard({ ...bigPlan(3), unreadable }, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toContain('Unreadable in KnowBe4 (held) (40)');
    expect(text).toContain('odd0@acme.com');
    expect(text).toContain('active is "maybe"');
    expect(text).toMatch(/\+\d+ more unreadable/);
    expect(textOf(preview(3))).not.toContain('Unreadable');
  });

  it('lists the changes sent and still waiting for KnowBe4 in their own section, only when there are some', () => {
    const waiting = Array.from({ length: 3 }, (_, i) => ({ kind: 'create' as const, planId: 'p0', opId: `c${i}`, sourceId: `e${i}`, targetId: null, userName: `new${i}@acme.com`, sentAt: '2026-12-02T02:00:00.000Z' }));
    const text = textOf(previewCard({ ...bigPlan(3), waiting }, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toContain('3 changes sent, waiting for KnowBe4');
    expect(text).toContain('Changes sent, waiting for KnowBe4 (not sent again) (3)');
    expect(text).toContain('new0@acme.com');
    expect(textOf(preview(3))).not.toContain('waiting for KnowBe4');
  });

  it('shows before → after for updates', () => {
    const text = textOf(preview(16));
    expect(text).toContain('givenName: Bob → Robert');
  });

  it('asks for the archive count only when the guard blocks', () => {
    const inputsOf = (card: CardJson) => findAll(card, (n) => n.type === 'Input.Number');
    const blocked = preview(40, true);
    expect(inputsOf(blocked)).toEqual([expect.objectContaining({ id: 'confirmArchive', isRequired: true })]);
    expect(textOf(blocked)).toContain('Blocked by the safety guard');
    expect(textOf(blocked)).toContain('would archive 5 users');
    expect(inputsOf(preview(40))).toEqual([]);
    expect(textOf(preview(40))).not.toContain('Blocked');
  });

  it('has Apply and Cancel as Action.Execute with planId and digest, and download links', () => {
    const card = preview(10);
    const actions = card.actions as Record<string, unknown>[];
    const execute = actions.filter((a) => a.type === 'Action.Execute');
    // Review (issue 17): the plan's new users and archives, to hold some.
    expect(execute.map((a) => a.verb)).toEqual(['apply', 'cancel', 'reviewHolds']);
    for (const a of execute.slice(0, 2)) expect(a.data).toEqual({ planId: 'plan-1', digest: DIGEST });
    expect(execute[2]?.data).toEqual({ planId: 'plan-1', digest: DIGEST, offset: '0', ops: '', held: '' });
    const urls = actions.filter((a) => a.type === 'Action.OpenUrl').map((a) => a.url);
    expect(urls).toEqual([URLS.csvUrl, URLS.jsonUrl]);
  });

  it('shows the expiry only when given', () => {
    expect(textOf(previewCard(bigPlan(1), { planId: 'p9', digest: 'd', ...URLS, expires: '03:30 UTC' }))).toContain('Plan p9 · expires 03:30 UTC');
    expect(textOf(preview(1))).not.toContain('expires');
  });

  it('has no Apply button for an empty plan', () => {
    const card = previewCard(emptyPlan(), { planId: 'p', digest: 'd', ...URLS });
    expectValid(card);
    expect((card.actions as { verb?: string }[]).map((a) => a.verb)).not.toContain('apply');
    expect(textOf(card)).toContain('No changes');
  });

  it('escapes markdown in user data and rejects non-http download links', () => {
    const plan = bigPlan(1);
    plan.company.name = 'Evil [click](https://evil.example) **Corp**';
    const text = textOf(previewCard(plan, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toContain('Evil \\[click\\](https://evil.example) \\*\\*Corp\\*\\*');
    expect(() => previewCard(plan, { planId: 'p', digest: 'd', csvUrl: 'javascript:alert(1)', jsonUrl: URLS.jsonUrl })).toThrow();
  });
});

describe('applyingCard', () => {
  it('shows done/total per phase', () => {
    const phases = [
      { name: 'Create, rename, reactivate', done: 9_900, failed: 100, total: 10_000 },
      { name: 'Attribute updates', done: 9_900, failed: 100, total: 30_000 },
      { name: 'Archives', done: 0, failed: 0, total: 10_000 },
    ];
    const card = applyingCard({ company: 'Acme Corp', runId: 'r1', startedBy: 'Alex Wilber', phases });
    expectValid(card);
    expect(textOf(card)).toContain('20,000 of 50,000 changes done (40%), 200 failures');
  });
});

describe('resultCard', () => {
  it('shows the seed report numbers', () => {
    const card = resultCard(seedReport());
    expectValid(card);
    const facts = Object.fromEntries(findAll(card, (n) => typeof n.title === 'string' && typeof n.value === 'string').map((f) => [f.title, f.value]));
    expect(facts).toMatchObject({
      'Microsoft 365 users found': '150',
      'KnowBe4 users found': '142',
      Matched: '138',
      Created: '12',
      Updated: '25',
      Archived: '4',
      'Groups synced': '8',
      'Attribute updates': 'names 3 · departments 8 · titles 12 · managers 5',
      'Group changes': '+15 / −6',
    });
    expect(findAll(card, (n) => n.style === 'good')).toHaveLength(1);
  });

  it('lists failures first rows + more, styled partial or failed, with Retry', () => {
    const partial = seedReport({ success: false, errors: failures(5_000) });
    expect(reportStatus(partial)).toBe('partial');
    const card = resultCard(partial, { reportUrl: 'https://bot.example.com/runs/run-1.json' });
    expectValid(card);
    expect(textOf(card)).toContain('Failures (5,000)');
    expect(textOf(card)).toMatch(/\+4,99\d more failures/);
    expect(findAll(card, (n) => n.style === 'warning')).toHaveLength(1);
    expect((card.actions as { verb?: string }[]).map((a) => a.verb)).toContain('retry');

    const nothing = seedReport({
      success: false,
      errors: failures(3),
      sync_summary: { ...seedReport().sync_summary, users_created: 0, users_updated: 0, users_archived: 0 },
      group_changes: { group_additions: 0, group_removals: 0 },
    });
    expect(reportStatus(nothing)).toBe('failed');
    expect(findAll(resultCard(nothing), (n) => n.style === 'attention')).toHaveLength(1);
  });
});

describe('other cards', () => {
  const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  const cases: [string, () => CardJson][] = [
    ['error', () => errorCard({ title: 'Unknown company', message: 'No company matches "acm".', fix: 'Type `companies` to list them.', detail: 'req 123' })],
    ['runs', () => runsCard('Acme Corp', many(5_000, (i) => ({ runId: `run-${i}`, when: '2026-03-04 02:00', kind: 'scheduled' as const, status: i % 3 ? ('success' as const) : ('failed' as const), summary: '12 created, 25 updated, 4 archived '.repeat(20) })))],
    ['runs (empty)', () => runsCard('Acme Corp', [])],
    ['companies', () => companiesCard(many(3_000, (i) => ({ id: `c${i}`, name: `Client ${i} Holdings`, lastRun: '2026-03-04 02:00', lastResult: 'success' as const, nextRun: '2026-03-05 02:00', paused: i % 7 === 0 })))],
    ['help', () => helpCard()],
    ['choice', () => choiceCard({ query: 'acme', command: 'preview', candidates: many(10, (i) => ({ id: `acme-${i}`, name: `Acme ${i}` })) })],
    ['failureAlert', () => failureAlertCard({ companyId: 'acme', company: 'Acme Corp', runId: 'r1', message: 'KnowBe4 answered 503 for 40 minutes.', failures: failures(50_000), consecutiveFailures: 2 })],
    ['guardAlert', () => guardAlertCard({ companyId: 'acme', company: 'Acme Corp', planId: 'p1', archiveCount: 120, reasons: ['would archive 120 users (limit 10)'] })],
    ['credentialAlert', () => credentialAlertCard({ company: 'Acme Corp', problem: 'scimTokenRevoked', message: 'KnowBe4 answered 401 to every request.', envVar: 'ACME_KB4_SCIM_TOKEN', link: { title: 'Open KnowBe4', url: 'https://training.knowbe4.com' } })],
    ['autoPause', () => autoPauseCard({ companyId: 'acme', company: 'Acme Corp', failures: 3, lastError: 'Graph answered 401' })],
    ['summary', () => summaryCard({ date: '2026-03-04', companies: many(2_000, (i) => ({ name: `Client ${i}`, status: i % 10 ? ('success' as const) : ('failed' as const), summary: '3 created, 1 archived' })) })],
  ];

  it.each(cases)('%s card parses and fits', (_, build) => expectValid(build()));

  it('alert buttons carry the verbs the handler expects', () => {
    const verbs = (card: CardJson) => (card.actions as { verb?: string }[]).map((a) => a.verb).filter(Boolean);
    expect(verbs(failureAlertCard({ companyId: 'acme', company: 'Acme', runId: 'r', message: 'm', failures: [], consecutiveFailures: 1 }))).toEqual(['retry', 'pause']);
    expect(verbs(guardAlertCard({ companyId: 'acme', company: 'Acme', planId: 'p', archiveCount: 1, reasons: [] }))).toEqual(['review']);
    expect(verbs(autoPauseCard({ companyId: 'acme', company: 'Acme', failures: 3, lastError: 'e' }))).toEqual(['resume']);
    const choice = choiceCard({ query: 'acme', command: 'preview', candidates: [{ id: 'a1', name: 'Acme One' }, { id: 'a2', name: 'Acme Two' }] });
    expect(choice.actions).toEqual([
      expect.objectContaining({ type: 'Action.Execute', verb: 'choose', title: 'Acme One', data: { companyId: 'a1', command: 'preview' } }),
      expect.objectContaining({ verb: 'choose', data: { companyId: 'a2', command: 'preview' } }),
    ]);
  });

  it('the summary lists problems first and the credential alert names the fix', () => {
    const summary = summaryCard({ date: 'd', companies: [{ name: 'Ok Co', status: 'success', summary: 's' }, { name: 'Bad Co', status: 'failed', summary: 'f' }] });
    const text = textOf(summary);
    expect(text.indexOf('Bad Co')).toBeLessThan(text.indexOf('Ok Co'));
    const cred = textOf(credentialAlertCard({ company: 'Acme', problem: 'graphSecretExpired', message: 'AADSTS7000222', envVar: 'ACME_GRAPH_SECRET' }));
    expect(cred).toContain('Certificates & secrets');
    expect(cred).toContain('ACME\\_GRAPH\\_SECRET');
  });
});

describe('card actions', () => {
  const allCards: CardJson[] = [
    preview(100, true),
    resultCard(seedReport({ success: false, errors: failures(3) })),
    choiceCard({ query: 'acme', command: 'preview', candidates: [{ id: 'a1', name: 'Acme One' }] }),
    failureAlertCard({ companyId: 'acme', company: 'Acme', runId: 'r', message: 'm', failures: [], consecutiveFailures: 1 }),
    guardAlertCard({ companyId: 'acme', company: 'Acme', planId: 'p', archiveCount: 1, reasons: [] }),
    autoPauseCard({ companyId: 'acme', company: 'Acme', failures: 3, lastError: 'e' }),
  ];

  it('every Action.Execute on every card parses with the invoke schema', () => {
    const executes = allCards.flatMap((card) => findAll(card, (n) => n.type === 'Action.Execute'));
    expect(new Set(executes.map((a) => a.verb))).toEqual(new Set(['apply', 'cancel', 'choose', 'retry', 'pause', 'resume', 'review', 'reviewHolds']));
    for (const a of executes) expect(parseCardAction({ verb: a.verb, data: a.data })).not.toBeNull();
  });

  it('reads the confirmation the admin typed, as Teams sends it', () => {
    expect(parseCardAction({ verb: 'apply', data: { planId: 'p', digest: DIGEST, confirmArchive: '25' } })).toEqual({ verb: 'apply', data: { planId: 'p', digest: DIGEST, confirmArchive: 25 } });
    expect(parseCardAction({ verb: 'apply', data: { planId: 'p', digest: DIGEST, confirmArchive: '' } })).toEqual({ verb: 'apply', data: { planId: 'p', digest: DIGEST } });
    expect(parseCardAction({ verb: 'apply', data: { planId: 'p', digest: DIGEST, confirmArchive: '2.5' } })).toBeNull();
    expect(parseCardAction({ verb: 'apply', data: { planId: 'p' } })).toBeNull();
    expect(parseCardAction({ verb: 'drop tables', data: {} })).toBeNull();
    expect(parseCardAction('apply')).toBeNull();
  });

  it('takes ids and digests exactly as the cards write them', () => {
    expect(parseCardAction({ verb: 'pause', data: { companyId: 'acme' } })).toEqual({ verb: 'pause', data: { companyId: 'acme' } });
    expect(parseCardAction({ verb: 'pause', data: { companyId: 'acme ' } })).toEqual({ verb: 'pause', data: { companyId: 'acme ' } });
    expect(parseCardAction({ verb: 'apply', data: { planId: 'p', digest: DIGEST.toUpperCase() } })).toBeNull();
    expect(parseCardAction({ verb: 'cancel', data: { planId: 'p', digest: 'not-hex' } })).toBeNull();
    expect(parseCardAction({ verb: 'cancel', data: { planId: 'p' } })).toBeNull();
    expect(parseCardAction({ verb: 'choose', data: { companyId: 'acme', command: 'apply' } })).toBeNull();
    // A failure alert that is not about one run carries an empty run id; its Retry still works.
    expect(parseCardAction({ verb: 'retry', data: { companyId: 'acme', runId: '' } })).toEqual({ verb: 'retry', data: { companyId: 'acme', runId: '' } });
  });

  it('Cancel does not require the confirmation input', () => {
    const cancel = findAll(preview(100, true), (n) => n.verb === 'cancel');
    expect(cancel).toEqual([expect.objectContaining({ associatedInputs: 'none' })]);
  });
});
