/**
 * The audit card: what needs a decision first, then one block per section (drift, at risk, stuck,
 * seats, training reach), each a single line when there is nothing in it. Rows are capped to fit
 * a Teams message; the counts never are, and the download has every row.
 */
import type { AccountAudit } from '../../sync';
import { capRows, renderWithin, type CardJson, type Color, type Row } from './render';
import { plain, plural } from './text';

export interface AuditCardInput {
  audit: AccountAudit;
  /** Signed links to every row (null when downloads are off). */
  links: { csv: string; json: string } | null;
}

interface Section {
  title: string;
  line: string;
  color: Color;
  note: string;
  rows: Row[];
  where: string;
}

function sections(a: AccountAudit, textMax: number): Section[] {
  const cut = (s: string) => plain(s, textMax);
  const s = a.seats;
  const seatsLine =
    s.contracted === null ? `${plural(s.used, 'active user')}; no contracted number (knowbe4.seats)` : `${s.used} used of ${s.contracted}: ${s.over > 0 ? `**${s.over} over**` : `${s.free} free`}`;
  const reach = a.reach;
  return [
    {
      title: 'Drift',
      line: a.drift.count === 0 ? 'none: KnowBe4 matches Microsoft 365' : `${plural(a.drift.count, 'record')} differ from Microsoft 365`,
      color: a.drift.count === 0 ? 'Good' : 'Warning',
      note: a.drift.fixedBy,
      rows: a.drift.rows.map((r) => ({ label: cut(r.userName), detail: cut(r.detail) })),
      where: 'drifted records',
    },
    {
      title: 'At risk',
      line:
        a.atRisk.count === 0
          ? 'none: every active KnowBe4 user is in scope'
          : `${plural(a.atRisk.count, 'active user')} outside kb4sync's scope${a.atRisk.scimManaged === null ? '' : `, ${a.atRisk.scimManaged} managed by SCIM`}`,
      color: a.atRisk.count === 0 ? 'Good' : 'Warning',
      note: a.atRisk.count === 0 ? '' : "KnowBe4's own SCIM sync may archive these; exclude them or bring them into scope.",
      rows: a.atRisk.rows.map((r) => ({
        label: cut(r.userName),
        detail: cut(`${r.reason}${r.archivedByKb4sync ? ' · kb4sync archives it next sync' : ''}${r.scimManaged ? ' · SCIM-managed' : ''}`),
      })),
      where: 'users at risk',
    },
    {
      title: 'Stuck',
      line: a.stuck.count === 0 ? 'nothing stuck' : `${plural(a.stuck.count, 'item')} stuck or unapplied`,
      color: a.stuck.count === 0 ? 'Good' : 'Attention',
      note: a.stuck.unconfirmedWritesKnown ? '' : 'Writes never confirmed: not recorded by this version.',
      rows: a.stuck.rows.map((r) => ({ label: cut(r.subject), detail: cut(`${r.kind}: ${r.detail} (since ${r.since.slice(0, 10)})`) })),
      where: 'stuck items',
    },
    {
      title: 'Seats',
      line: seatsLine,
      color: s.over > 0 ? 'Attention' : 'Default',
      note: s.trend.length > 1 ? `Trend: ${s.trend.map((t) => `${t.used} (${t.at.slice(5, 10)})`).join(' → ')}` : '',
      rows: [],
      where: '',
    },
    {
      title: 'Training reach',
      line:
        reach === null
          ? 'needs the Reporting API token (knowbe4.reportingTokenEnv)'
          : `${reach.neverSignedIn} of ${reach.inScope} never signed in · ${reach.phishPronePercentage === null ? 'no phish-prone % yet' : `phish-prone ${reach.phishPronePercentage}%`}`,
      color: 'Default',
      note: '',
      rows: (reach?.rows ?? []).map((r) => ({ label: cut(r.userName), detail: 'never signed in' })),
      where: 'users never signed in',
    },
  ];
}

export function auditCard(input: AuditCardInput): CardJson {
  const a = input.audit;
  return renderWithin('audit', (max, textMax) => ({
    company: plain(a.company.name, 80),
    at: `${a.at.slice(0, 16).replace('T', ' ')} UTC`,
    decisionTitle: a.decisions.length === 0 ? '✔ Nothing needs a decision' : '⚠ Needs a decision',
    decisionStyle: a.decisions.length === 0 ? 'good' : 'attention',
    decisions: a.decisions.map((d) => ({ text: plain(d, 200) })),
    sections: sections(a, textMax).map((s) => {
      const capped = capRows(s.rows, max, (r) => r, s.where);
      return { title: s.title, line: s.line, color: s.color, note: s.note, hasNote: s.note !== '', rows: capped.rows, more: capped.hasMore ? `${capped.more} in the download` : '', hasMore: capped.hasMore };
    }),
    csvUrl: input.links?.csv ?? '',
    jsonUrl: input.links?.json ?? '',
    hasLinks: input.links !== null,
  }));
}
