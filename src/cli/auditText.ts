/** The audit on a terminal: what needs a decision first, then each section (one line when empty). */
import type { AccountAudit } from '../sync';

const SHOWN = 20;

function list<T>(rows: readonly T[], line: (r: T) => string): string {
  const shown = rows.slice(0, SHOWN).map((r) => `    ${line(r)}\n`).join('');
  return rows.length > SHOWN ? `${shown}    … and ${rows.length - SHOWN} more (--csv or --json for all)\n` : shown;
}

export function formatAudit(a: AccountAudit): string {
  let out = `Audit of ${a.company.name} (${a.company.id}) at ${a.at}\n\n`;
  out += a.decisions.length === 0 ? 'Needs a decision: nothing.\n' : `Needs a decision:\n${a.decisions.map((d) => `  ! ${d}\n`).join('')}`;
  out += `\nDrift: ${a.drift.count === 0 ? 'none' : `${a.drift.count} records differ from Microsoft 365. ${a.drift.fixedBy}`}\n`;
  out += list(a.drift.rows, (r) => `${r.userName}  ${r.detail}`);
  const scim = a.atRisk.scimManaged === null ? '' : ` (${a.atRisk.scimManaged} already managed by SCIM)`;
  out += `At risk: ${a.atRisk.count === 0 ? 'none' : `${a.atRisk.count} active KnowBe4 users outside kb4sync's scope${scim}`}\n`;
  out += list(a.atRisk.rows, (r) => `${r.userName}  ${r.reason}${r.archivedByKb4sync ? ' (kb4sync archives it next sync)' : ''}${r.scimManaged ? ' (SCIM-managed)' : ''}`);
  out += `Stuck: ${a.stuck.count === 0 ? 'none' : a.stuck.count}${a.stuck.unconfirmedWritesKnown ? '' : ' (writes never confirmed: not recorded by this version)'}\n`;
  out += list(a.stuck.rows, (r) => `${r.kind}  ${r.subject}  ${r.detail}  since ${r.since}`);
  const s = a.seats;
  out += `Seats: ${s.used} used${s.contracted === null ? ' (no contracted number: set knowbe4.seats)' : ` of ${s.contracted}: ${s.free} free${s.over > 0 ? `, ${s.over} OVER` : ''}`}`;
  out += s.trend.length > 1 ? `; trend ${s.trend.map((t) => t.used).join(' → ')}\n` : '\n';
  if (a.reach === null) out += 'Training reach: needs the Reporting API token (knowbe4.reportingTokenEnv)\n';
  else {
    const ppp = a.reach.phishPronePercentage === null ? 'no phish-prone % yet' : `phish-prone ${a.reach.phishPronePercentage}%`;
    out += `Training reach: ${a.reach.neverSignedIn} of ${a.reach.inScope} never signed in; ${ppp}\n`;
    out += list(a.reach.rows, (r) => r.userName);
  }
  return out;
}
