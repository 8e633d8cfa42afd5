/** The whole audit behind the card, as CSV (one row per finding) for Excel; JSON is the audit itself. */
import { auditRows, type AccountAudit } from '../sync';
import { csvLine } from './diffExport';

export function auditCsv(a: AccountAudit): string {
  const head = csvLine(['section', 'user', 'detail', 'since']);
  return [head, ...auditRows(a).map((r) => csvLine([r.section, r.user, r.detail, r.since]))].join('\r\n') + '\r\n';
}
