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
  previewCard,
  reportStatus,
  resultCard,
  runsCard,
  statusCard,
  syncUserCard,
  summaryCard,
  TEAMS_MESSAGE_LIMIT_BYTES,
  TEMPLATES,
  type CardJson,
} from '../../src/teams/cards';
import { countPeople, peopleSummary } from '../../src/sync';
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
  const actionsOf = (card: CardJson) => findAll(card, (n) => typeof n.type === 'string' && n.type.startsWith('Action.') && n.type !== 'Action.ToggleVisibility');

  it.each([0, 1, 20, 2_000, 50_000])('renders a valid card within budget for %i changes', (n) => {
    expectValid(preview(n));
    expectValid(preview(n, true));
  });

  it('leads with people, in the counts every surface uses, and labels Apply in the same words', () => {
    const plan = bigPlan(2_000);
    const counts = countPeople(plan);
    const card = previewCard(plan, { planId: 'p', digest: 'd', ...URLS });
    const body = card.body as { text?: string }[];
    expect(body[2]?.text).toBe(peopleSummary(counts));
    expect(peopleSummary(counts)).toMatch(/^250 joiners, 250 leavers, 250 renamed, 125 returning, 500 people with changed details, 500 group changes$/);
    const apply = findAll(card, (n) => n.verb === 'apply');
    expect(apply).toHaveLength(1);
    expect(apply[0]?.title).toMatch(/^Apply: 250 joiners, 250 leavers/);
    // Apply sits in the body right under the summary, not under the sections.
    const applyAt = body.findIndex((b) => findAll(b, (n) => n.verb === 'apply').length > 0);
    const firstSection = body.findIndex((b) => findAll(b, (n) => n.type === 'Action.ToggleVisibility').length > 0);
    expect(applyAt).toBeGreaterThan(1);
    expect(applyAt).toBeLessThan(firstSection);
  });

  it('folds each section, five rows and "+N more", one line per person', () => {
    const plan = bigPlan(2_000);
    const card = previewCard(plan, { planId: 'p', digest: 'd', ...URLS });
    const toggles = findAll(card, (n) => n.type === 'Action.ToggleVisibility');
    const hidden = findAll(card, (n) => n.isVisible === false);
    expect(toggles.map((t) => (t.targetElements as string[])[0]).sort()).toEqual(hidden.map((h) => h.id).sort());
    const text = textOf(card);
    expect(text).toContain('**Leavers** (250)');
    expect(text).toMatch(/\+245 more joiners/);
    expect(text).toMatch(/\+\d[\d,]* more leavers/);
    expect(text).toContain('Test Mode');
    // Group memberships are grouped by group.
    expect(text).toContain('Sales Team: +250');
    expect(text).toContain('Engineering: −250');
  });

  it('shows a rename as "name: old → new" and changed details before → after, never an id', () => {
    const text = textOf(preview(16));
    expect(text).toContain('givenName: Bob → Robert');
    expect(text).toMatch(/user\.2\.x*@acme-corporation-international\.example\.com → new\.user\.2/);
    const guid = '38520b67-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const plan = bigPlan(3);
    plan.operations.push({ id: 'u-link', kind: 'update', reason: 'link', targetId: 't-link', sourceId: guid, userName: 'linked@acme.com', changes: [{ attribute: 'externalId', before: null, after: guid }] });
    plan.conflicts = [{ reason: 'claimed-by-other', message: `KnowBe4 user x@acme.com is linked to another Microsoft 365 user (${guid})`, sourceUsers: [{ id: guid, address: 'x@acme.com' }], target: null }];
    const card = previewCard(plan, { planId: guid, digest: 'd', ...URLS });
    expect(textOf(card)).toContain('1 existing user linked to their Microsoft 365 account, nothing visible changes');
    expect(textOf(card)).not.toContain(guid);
    // The plan id lives in the buttons' data only.
    expect(findAll(card, (n) => n.verb === 'apply')[0]?.data).toMatchObject({ planId: guid });
  });

  it('names people when the plan knows their names', () => {
    const plan = bigPlan(3);
    const rename = plan.operations.find((o) => o.kind === 'rename');
    if (rename?.kind !== 'rename') throw new Error('fixture has a rename');
    plan.nameList = [`t:${rename.targetId}`, 'Aleksei Kuznetsova'];
    expect(textOf(previewCard(plan, { planId: 'p', digest: 'd', ...URLS }))).toContain(`**Aleksei Kuznetsova** ${rename.from} → ${rename.to}`);
  });

  it('lists unreadable KnowBe4 records with their reason in one section, capped like the others', () => {
    const unreadable = Array.from({ length: 40 }, (_, i) => ({ resource: 'user' as const, id: `odd${i}`, name: `odd${i}@acme.com`, externalId: null, reason: 'active is "maybe"', heldSourceIds: [] }));
    const text = textOf(previewCard({ ...bigPlan(3), unreadable }, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toContain('**Held: unreadable in KnowBe4** (40)');
    expect(text).toContain('odd0@acme.com');
    expect(text).toContain('active is "maybe"');
    expect(text).toMatch(/\+35 more held/);
    expect(textOf(preview(3))).not.toContain('unreadable');
  });

  it('lists the changes sent and still waiting for KnowBe4 in their own section, only when there are some', () => {
    const waiting = Array.from({ length: 3 }, (_, i) => ({ kind: 'create' as const, planId: 'p0', opId: `c${i}`, sourceId: `e${i}`, targetId: null, userName: `new${i}@acme.com`, sentAt: '2026-12-02T02:00:00.000Z' }));
    const text = textOf(previewCard({ ...bigPlan(3), waiting }, { planId: 'p', digest: 'd', ...URLS }));
    expect(text).toContain('3 changes sent, waiting for KnowBe4');
    expect(text).toContain('**Sent, waiting for KnowBe4 (not sent again)** (3)');
    expect(text).toContain('new0@acme.com');
    expect(textOf(preview(3))).not.toContain('waiting for KnowBe4');
  });

  it('asks for the archive count only when the guard blocks, with Apply beside the box', () => {
    const inputsOf = (card: CardJson) => findAll(card, (n) => n.type === 'Input.Number');
    const blocked = preview(40, true);
    expect(inputsOf(blocked)).toEqual([expect.objectContaining({ id: 'confirmArchive', isRequired: true })]);
    expect(textOf(blocked)).toContain('Blocked by the safety guard');
    expect(textOf(blocked)).toContain('would archive 5 users');
    const guardBox = findAll(blocked, (n) => n.style === 'attention')[0];
    expect(findAll(guardBox, (n) => n.verb === 'apply')).toHaveLength(1);
    expect(findAll(blocked, (n) => n.verb === 'apply')).toHaveLength(1);
    expect(inputsOf(preview(40))).toEqual([]);
    expect(textOf(preview(40))).not.toContain('Blocked');
  });

  it('puts thousands separators in the guard reasons', () => {
    const plan = bigPlan(40, { blocked: true });
    plan.guard = { status: 'blocked', archiveCount: 5, reasons: ['Would archive 15.6% of 2250 active KnowBe4 users; the limit is 10%'] };
    expect(textOf(previewCard(plan, { planId: 'p', digest: 'd', ...URLS }))).toContain('15.6% of 2,250 active');
  });

  it('shows a refused confirmation beside the box', () => {
    const card = previewCard(bigPlan(40, { blocked: true }), { planId: 'p', digest: 'd', ...URLS, confirmError: 'Not applied: type 5 to confirm.' });
    const guardBox = findAll(card, (n) => n.style === 'attention')[0];
    expect(textOf(guardBox)).toContain('Not applied: type 5 to confirm.');
  });

  it('has Apply and Cancel as Action.Execute with planId and digest, and download links', () => {
    const card = preview(10);
    const actions = actionsOf(card);
    const execute = actions.filter((a) => a.type === 'Action.Execute');
    // Review (issue 17): the plan's new users and archives, to hold some.
    expect(execute.map((a) => a.verb)).toEqual(['apply', 'cancel', 'reviewHolds']);
    for (const a of execute.slice(0, 2)) expect(a.data).toEqual({ planId: 'plan-1', digest: DIGEST });
    expect(execute[2]?.data).toEqual({ planId: 'plan-1', digest: DIGEST, offset: '0', ops: '', held: '' });
    const urls = actions.filter((a) => a.type === 'Action.OpenUrl').map((a) => a.url);
    expect(urls).toEqual([URLS.csvUrl, URLS.jsonUrl]);
  });

  it('shows the expiry only when given, and never the plan id', () => {
    const text = textOf(previewCard(bigPlan(1), { planId: 'p9', digest: 'd', ...URLS, expires: '03:30 UTC' }));
    expect(text).toContain('this plan expires 03:30 UTC');
    expect(text).not.toContain('p9');
    expect(textOf(preview(1))).not.toContain('expires');
  });

  it('answers a company in step with one short card: no Apply, no Cancel, no downloads', () => {
    const card = previewCard(emptyPlan(), { planId: 'p', digest: 'd', ...URLS });
    expectValid(card);
    expect(findAll(card, (n) => typeof n.type === 'string' && n.type.startsWith('Action.'))).toEqual([]);
    expect(textOf(card)).toContain('Acme Corp is in step: 0 people, nothing to do');
    const inStep = { ...emptyPlan(), stats: { ...emptyPlan().stats, inScope: 1_500 } };
    expect(textOf(previewCard(inStep, { planId: 'p', digest: 'd', ...URLS }))).toContain('Acme Corp is in step: 1,500 people, nothing to do');
  });

  it('a plan with only conflicts has no Apply but shows them', () => {
    const plan = { ...emptyPlan(), conflicts: bigPlan(10).conflicts };
    const card = previewCard(plan, { planId: 'p', digest: 'd', ...URLS });
    expectValid(card);
    expect(findAll(card, (n) => n.verb === 'apply')).toEqual([]);
    expect(textOf(card)).toContain('1 conflict, nothing written for it');
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
  it('leads with the people, names who joined and left, folds the seed numbers, and says when and what next', () => {
    const card = resultCard(seedReport());
    expectValid(card);
    const text = textOf(card);
    // An old stored report (no `people`) reads the seed's fields as people.
    expect((card.body as { text?: string }[])[1]?.text).toBe('12 joiners, 4 leavers, 25 people with changed details, 21 group changes');
    expect(text).toContain('**New Hire** (new.hire@acmecorp.com)');
    expect(text).toContain('former.employee@acmecorp.com');
    expect(text).toContain('Finished {{DATE(2026-03-04T15:00:00Z, SHORT)}} at {{TIME(2026-03-04T15:00:00Z)}}');
    expect(text).not.toContain('run-1');
    const facts = Object.fromEntries(findAll(card, (n) => typeof n.title === 'string' && typeof n.value === 'string').map((f) => [f.title, f.value]));
    expect(facts).toMatchObject({ 'Microsoft 365 users in scope': '150', 'KnowBe4 users': '142', Matched: '138', 'Groups managed': '8' });
    expect(findAll(card, (n) => n.id === 'result-numbers')).toEqual([expect.objectContaining({ isVisible: false })]);
    expect(findAll(card, (n) => n.style === 'good')).toHaveLength(1);
    expect(text).toContain('To check again, type "preview sync Acme Corp".');
    expect(textOf(resultCard(seedReport(), { nextRunAt: '2026-03-05T02:00:00.000Z' }))).toContain('Next run: {{DATE(2026-03-05T02:00:00Z, SHORT)}} at {{TIME(2026-03-05T02:00:00Z)}}.');
  });

  it('lists failures first rows + more, styled partial or failed, with Retry', () => {
    const partial = seedReport({ success: false, errors: failures(5_000) });
    expect(reportStatus(partial)).toBe('partial');
    const card = resultCard(partial, { reportUrl: 'https://bot.example.com/runs/run-1.json' });
    expectValid(card);
    expect(textOf(card)).toContain('**Failed** (5,000)');
    expect(textOf(card)).toContain('Retry what failed sends these again');
    expect(textOf(card)).toMatch(/\+4,99\d more failed/);
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
    ['runs', () => runsCard('Acme Corp', many(5_000, (i) => ({ runId: `run-${i}`, when: '2026-03-04 02:00', kind: 'scheduled' as const, status: i % 3 ? ('succeeded' as const) : ('failed' as const), summary: '12 created, 25 updated, 4 archived '.repeat(20) })))],
    ['runs (empty)', () => runsCard('Acme Corp', [])],
    ['companies', () => companiesCard(many(3_000, (i) => ({ id: `c${i}`, name: `Client ${i} Holdings`, lastRun: '2026-03-04 02:00', lastResult: 'succeeded' as const, nextRun: '2026-03-05 02:00', paused: i % 7 === 0 })))],
    ['help', () => helpCard()],
    ['choice', () => choiceCard({ query: 'acme', command: 'preview', candidates: many(10, (i) => ({ id: `acme-${i}`, name: `Acme ${i}` })) })],
    ['failureAlert', () => failureAlertCard({ companyId: 'acme', company: 'Acme Corp', runId: 'r1', message: 'KnowBe4 answered 503 for 40 minutes.', failures: failures(50_000), consecutiveFailures: 2 })],
    ['guardAlert', () => guardAlertCard({ companyId: 'acme', company: 'Acme Corp', planId: 'p1', archiveCount: 120, reasons: ['would archive 120 users (limit 10)'] })],
    ['credentialAlert', () => credentialAlertCard({ company: 'Acme Corp', problem: 'scimTokenRevoked', message: 'KnowBe4 answered 401 to every request.', envVar: 'ACME_KB4_SCIM_TOKEN', link: { title: 'Open KnowBe4', url: 'https://training.knowbe4.com' } })],
    ['autoPause', () => autoPauseCard({ companyId: 'acme', company: 'Acme Corp', failures: 3, lastError: 'Graph answered 401' })],
    ['summary', () => summaryCard({ date: '2026-03-04', companies: many(2_000, (i) => ({ name: `Client ${i}`, status: i % 10 ? ('succeeded' as const) : ('failed' as const), summary: '3 created, 1 archived' })) })],
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
    const summary = summaryCard({ date: 'd', companies: [{ name: 'Ok Co', status: 'succeeded', summary: 's' }, { name: 'Bad Co', status: 'failed', summary: 'f' }] });
    const text = textOf(summary);
    expect(text.indexOf('Bad Co')).toBeLessThan(text.indexOf('Ok Co'));
    const cred = textOf(credentialAlertCard({ company: 'Acme', problem: 'graphSecretExpired', message: 'AADSTS7000222', envVar: 'ACME_GRAPH_SECRET' }));
    expect(cred).toContain('Certificates & secrets');
    expect(cred).toContain('ACME\\_GRAPH\\_SECRET');
  });
});

describe('statusCard and syncUserCard', () => {
  it('status says paused since when and by whom, the last result in people, what waits', () => {
    const card = statusCard({ companyId: 'acme', company: 'Acme Corp', paused: true, pausedSince: '2026-03-04T09:30:00.000Z', pausedBy: 'Alex Wilber', lastRun: { at: '2026-03-04T02:00:00Z', status: 'succeeded', summary: '12 joiners, 4 leavers' }, nextRun: null, pendingApprovals: 1, openConflicts: 2 });
    expectValid(card);
    const text = textOf(card);
    expect(text).toContain('⏸ Paused since {{DATE(2026-03-04T09:30:00Z, SHORT)}} at {{TIME(2026-03-04T09:30:00Z)}} by Alex Wilber');
    expect(text).toContain('12 joiners, 4 leavers');
    expect(text).toContain('**Waiting for approval** 1 plan');
    expect(text).toContain('**Open conflicts** 2 people');
    expect(findAll(card, (n) => n.type === 'Action.Execute').map((a) => a.verb)).toEqual(['choose', 'resume']);
    const active = statusCard({ companyId: 'acme', company: 'Acme Corp', paused: false, pausedSince: null, pausedBy: null, lastRun: null, nextRun: '2026-03-05T02:00:00.000Z', pendingApprovals: 0, openConflicts: 0 });
    expect(textOf(active)).toContain('Active: next run {{DATE(2026-03-05T02:00:00Z, SHORT)}}');
    expect(findAll(active, (n) => n.type === 'Action.Execute').map((a) => a.verb)).toEqual(['choose', 'pause']);
  });

  it('sync user answers about that person: name, what changed, where they stand', () => {
    const plan = bigPlan(0, { extras: 0 });
    plan.operations = [
      { id: 'u1', kind: 'update', reason: 'r', targetId: 't1', sourceId: '38520b67-1c2d-4e5f-8a9b-0c1d2e3f4a5b', userName: 'ada@acme.com', changes: [{ attribute: 'title', before: 'Engineer', after: 'Lead' }, { attribute: 'externalId', before: null, after: '38520b67-1c2d-4e5f-8a9b-0c1d2e3f4a5b' }] },
      { id: 'g1', kind: 'addToGroup', reason: 'r', group: { kind: 'existing', groupId: 'g' }, groupName: 'Leads', via: 'department', user: { kind: 'existing', targetId: 't1' }, userName: 'ada@acme.com' },
    ];
    // As a plan stored before names became a list has them.
    plan.names = { 't:t1': 'Ada Lovelace' };
    const card = syncUserCard({ address: 'ada@acme.com', company: 'Acme Corp', plan, report: seedReport(), status: 'succeeded', error: null });
    expectValid(card);
    const text = textOf(card);
    expect(text).toContain('Ada Lovelace (ada@acme.com)');
    expect(text).toContain('title: Engineer → Lead');
    expect(text).toContain('Leads: added');
    expect(text).toContain('Now in step with Microsoft 365');
    expect(text).not.toMatch(/38520b67/);
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
