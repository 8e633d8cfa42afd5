/**
 * The preview card, people first: one summary line in people ("12 joiners, 4 leavers, …"), the
 * guard box when blocked, Apply right under them, then folded sections of about five rows each.
 * A plan with nothing to do is one short "in step" card instead. No record id is shown anywhere:
 * the plan id rides in the buttons' data and the download links only.
 */
import { z } from 'zod';
import {
  countPeople,
  groupLine,
  inStep,
  linkedText,
  peopleSummary,
  personParts,
  planChanges,
  SECTION_TITLES,
  conflictsText,
  type PeopleCounts,
  type PeopleSection,
  type Plan,
  type PlanStats,
  waitingLine,
} from '../../sync';
import { messageCard } from './messages';
import { capRows, renderWithin, type CardJson, type Color, type Row } from './render';
import { cardTime, plain, plural, withoutIds, withSeparators } from './text';

const previewOptionsSchema = z.object({
  planId: z.string().min(1),
  digest: z.string().min(1),
  csvUrl: z.url({ protocol: /^https?$/ }),
  jsonUrl: z.url({ protocol: /^https?$/ }),
  /** When the plan expires (ISO 8601: the host shows it in the reader's time zone). */
  expires: z.string().optional(),
  /** Why the last Apply click was refused ("type 350 to confirm"), shown beside the box. */
  confirmError: z.string().optional(),
  /** Extra lines under the summary (e.g. writes sent earlier and not yet confirmed). */
  notes: z.array(z.string()).optional(),
});
export type PreviewOptions = z.input<typeof previewOptionsSchema>;

/** Rows a folded section shows before "+N more". */
const SECTION_ROWS = 5;

// Section headings in the default colour: light green and yellow text are hard to read on the
// light theme's white, and the tints differ again in the dark one. Leavers alone stand out.
const SECTION_COLOR: Record<PeopleSection, Color> = { joiners: 'Default', leavers: 'Attention', renamed: 'Default', returning: 'Default', details: 'Default', linked: 'Default' };

/** Who held what, the first few: "Held: ann@… (archive, held by Bob on 2026-12-01), +3 more". */
function heldLine(plan: Plan, textMax: number): string {
  const held = plan.held ?? [];
  const shown = held.slice(0, 3).map((h) => `${plain(h.userName, textMax / 2)} (${h.kind}, held by ${plain(h.by, 40)} on ${h.at.slice(0, 10)})`);
  return `Held: ${shown.join(', ')}${held.length > 3 ? `, +${held.length - 3} more` : ''}`;
}

function statsLine(stats: PlanStats): string {
  return [`${plural(stats.inScope, 'person', 'people')} in scope in Microsoft 365`, plural(stats.targetUsers, 'KnowBe4 user'), `${stats.matched.toLocaleString('en-US')} matched`].join(' · ');
}

/** Rows as one markdown line each: the person in bold (when there is one), then what changes. */
function lined<T extends { rows: Row[] }>(capped: T): Omit<T, 'rows'> & { rows: { line: string }[] } {
  return { ...capped, rows: capped.rows.map((r) => ({ line: r.label === '' ? r.detail : `**${r.label}** ${r.detail}` })) };
}

/** "Apply: 12 joiners, 4 leavers" — the summary's own words, cut to what a button shows. */
export function applyTitle(counts: PeopleCounts, room = 34): string {
  const summary = peopleSummary(counts);
  if (summary.length <= room) return `Apply: ${summary}`;
  const [first, second] = summary.split(', ');
  const two = `${first}, ${second}`;
  return two.length < room ? `Apply: ${two} and more` : `Apply: ${first} and more`;
}

/** "Acme Corp is in step: 150 people, nothing to do". */
export function inStepCard(plan: Plan): CardJson {
  const notes = [
    plan.unmanaged.length > 0 ? `${plural(plan.unmanaged.length, 'KnowBe4 user')} ${plan.unmanaged.length === 1 ? 'is' : 'are'} not managed by kb4sync (outside its scope); kb4sync leaves ${plan.unmanaged.length === 1 ? 'it' : 'them'} alone.` : '',
    (plan.unreadable ?? []).length > 0 ? `${plural((plan.unreadable ?? []).length, 'KnowBe4 record')} could not be read and ${(plan.unreadable ?? []).length === 1 ? 'is' : 'are'} held.` : '',
    waitingLine(plan.waiting?.length ?? 0) ? `${waitingLine(plan.waiting?.length ?? 0)}: not sent again.` : '',
  ].filter(Boolean);
  return messageCard({ title: `${plan.company.name} is in step: ${plural(plan.stats.inScope, 'person', 'people')}, nothing to do`, message: notes.join(' '), tone: 'good' });
}

export function previewCard(plan: Plan, options: PreviewOptions): CardJson {
  const opts = previewOptionsSchema.parse(options);
  const counts = countPeople(plan);
  const unreadable = plan.unreadable ?? [];
  if (inStep(counts) && unreadable.length === 0 && plan.guard.status === 'ok') return inStepCard(plan);
  const changes = planChanges(plan);
  const blocked = plan.guard.status === 'blocked' ? plan.guard : null;
  const canApply = plan.operations.length > 0;

  return renderWithin('preview', (max, textMax) => {
    const rowsMax = Math.min(max, SECTION_ROWS);
    const section = <T>(id: string, title: string, color: Color, items: readonly T[], toRow: (item: T) => Row, note = '') => ({
      id: `section-${id}`,
      title,
      color,
      total: items.length.toLocaleString('en-US'),
      note,
      hasNote: note !== '',
      ...lined(capRows(items, rowsMax, toRow, title.toLowerCase())),
    });
    const personRow = (p: (typeof changes.people)[number]): Row => {
      const { who, what } = personParts(p, { valueMax: Math.max(20, Math.floor(textMax / 3)) });
      return { label: who === '' ? '' : plain(who, textMax / 2), detail: withoutIds(plain(what, textMax * 2)) };
    };
    const people = (['joiners', 'leavers', 'renamed', 'returning', 'details'] as const).map((s) =>
      section(s, SECTION_TITLES[s], SECTION_COLOR[s], changes.people.filter((p) => p.section === s), personRow),
    );
    const sections = [
      ...people,
      section('groups', SECTION_TITLES.groups, 'Default', changes.groups, (g) => ({ label: '', detail: plain(groupLine(g), textMax) })),
      section('conflicts', 'Conflicts (nothing written for them)', 'Default', plan.conflicts, (c) => ({
        label: plain(c.sourceUsers.map((u) => u.address ?? 'a user with no address').join(', '), textMax / 2),
        detail: withoutIds(plain(c.message, textMax)),
      })),
      section('unreadable', 'Held: unreadable in KnowBe4', 'Default', unreadable, (u) => ({ label: plain(u.name ?? `a ${u.resource} with no name`, textMax / 2), detail: withoutIds(plain(u.reason, textMax)) })),
      section('unmanaged', 'Not managed by kb4sync', 'Default', plan.unmanaged, (u) => ({ label: plain(u.userName, textMax / 2), detail: plain(u.reason, textMax) }),
        "These KnowBe4 users match no in-scope Microsoft 365 user. kb4sync leaves them alone, but KnowBe4's own SCIM job may archive users that no SCIM client sends: turn on Test Mode in KnowBe4 for a first run."),
      // Writes KnowBe4 accepted but does not show yet: pending, not planned again.
      section('waiting', 'Sent, waiting for KnowBe4 (not sent again)', 'Default', plan.waiting ?? [], (w) => ({ label: plain(w.userName, textMax / 2), detail: `${plain(w.kind, 40)}, sent ${cardTime(w.sentAt)}` })),
    ].filter((s) => s.total !== '0');
    const lines = [linkedText(counts.linked), conflictsText(counts.conflicts), waitingLine(plan.waiting?.length ?? 0) ?? '', ...(opts.notes ?? [])].filter(Boolean).map((l) => ({ line: plain(l, 200) }));
    return {
      company: plain(plan.company.name, 80),
      subtitle: statsLine(plan.stats),
      summary: peopleSummary(counts),
      lines,
      planId: opts.planId,
      digest: opts.digest,
      csvUrl: opts.csvUrl,
      jsonUrl: opts.jsonUrl,
      blocked: blocked !== null,
      archiveCount: (blocked?.archiveCount ?? counts.leavers).toLocaleString('en-US'),
      archiveNoun: (blocked?.archiveCount ?? counts.leavers) === 1 ? 'user' : 'users',
      guardReasons: (blocked?.reasons ?? []).slice(0, 3).map((r) => ({ text: plain(withSeparators(r), 160) })),
      confirmError: plain(opts.confirmError ?? '', 200),
      hasConfirmError: Boolean(opts.confirmError),
      applyHere: canApply && blocked === null,
      // Beside the confirmation box there is room for less.
      applyTitle: applyTitle(counts, blocked ? 24 : 34),
      sections,
      footer: `Nothing is written until you click Apply${opts.expires ? `; this plan expires ${cardTime(opts.expires)}` : ''}.`,
      // Held changes: only new users and archives (issue 17), on their own review card.
      canReview: counts.joiners + counts.leavers > 0 || (plan.held ?? []).some((h) => h.standing),
      hasHeld: (plan.held ?? []).length > 0,
      heldText: heldLine(plan, textMax),
    };
  });
}
