/**
 * The full diff behind a preview card, as CSV (for Excel) and JSON (for scripts). The card only
 * shows the first rows; this is what the "Download full diff" links serve.
 */
import { countPeople, type Operation, type Plan } from '../sync';

export const CSV_COLUMNS = ['kind', 'user', 'group', 'attribute', 'before', 'after', 'reason', 'id'] as const;
export type DiffRow = Record<(typeof CSV_COLUMNS)[number], string>;

/**
 * Spreadsheet apps run cells that start with = + - @ (and tab / CR, which some of them strip
 * first) as formulas. A leading apostrophe makes them text; the value is still readable.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * RFC 4180: quote fields with a comma, quote or line break, doubling inner quotes. Also a
 * semicolon or a tab: spreadsheet apps in locales whose list separator is `;` (or that guess tabs)
 * split there, and the piece after `Sales;` would start a cell of its own, `=cmd|…` a formula.
 */
export function csvField(value: string): string {
  const cell = neutraliseFormula(value);
  return /[",;\t\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvField).join(',');
}

const row = (partial: Partial<DiffRow> & Pick<DiffRow, 'kind'>): DiffRow => ({
  user: '',
  group: '',
  attribute: '',
  before: '',
  after: '',
  reason: '',
  id: '',
  ...partial,
});

/** One row per operation (per changed attribute for updates), conflict and not-managed user. */
export function diffRows(plan: Plan): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const op of plan.operations) rows.push(...operationRows(op));
  for (const c of plan.conflicts) {
    rows.push(
      row({
        kind: 'conflict',
        user: c.sourceUsers.map((u) => u.address ?? u.id).join('; '),
        before: c.target?.userName ?? '',
        reason: `${c.reason}: ${c.message}`,
      }),
    );
  }
  for (const u of plan.unmanaged) rows.push(row({ kind: 'notManaged', user: u.userName, reason: u.reason, id: u.targetId }));
  for (const t of plan.takeovers ?? []) rows.push(row({ kind: 'takeOver', user: t.userName, attribute: 'externalId', before: t.externalIdBefore ?? '', after: t.sourceId, reason: `found by ${t.via}`, id: t.targetId }));
  for (const u of plan.unreadable ?? []) rows.push(row({ kind: 'unreadable', user: u.name ?? '', group: u.resource, reason: u.reason, id: u.id ?? '' }));
  return rows;
}

function operationRows(op: Operation): DiffRow[] {
  const base = { kind: op.kind, reason: op.reason, id: op.id };
  switch (op.kind) {
    case 'create':
      return Object.entries(op.values).map(([attribute, after]) => row({ ...base, user: op.userName, attribute, after: after ?? '' }));
    case 'update':
      return op.changes.map((c) => row({ ...base, user: op.userName, attribute: c.attribute, before: c.before ?? '', after: c.after ?? '' }));
    case 'rename':
      return [row({ ...base, user: op.to, attribute: 'userName', before: op.from, after: op.to })];
    case 'reactivate':
      return [row({ ...base, user: op.userName, attribute: 'active', before: 'false', after: 'true' })];
    case 'setManager':
      return [row({ ...base, user: op.userName, attribute: 'manager', before: op.before ?? '', after: op.after ?? '' })];
    case 'archive':
      return [row({ ...base, user: op.userName, attribute: 'active', before: 'true', after: 'false' })];
    case 'createGroup':
      return [row({ ...base, group: op.name })];
    case 'addToGroup':
      return [row({ ...base, user: op.userName, group: op.groupName })];
    case 'removeFromGroup':
      return [row({ ...base, user: op.userName, group: op.groupName })];
  }
}

export interface CsvOptions {
  /** Start with a UTF-8 byte order mark so Excel reads accented names right. Default true. */
  bom?: boolean;
}

/** The whole diff as RFC 4180 CSV (CRLF line ends, header row). */
export function diffCsv(plan: Plan, options: CsvOptions = {}): string {
  const lines = [csvLine(CSV_COLUMNS), ...diffRows(plan).map((r) => csvLine(CSV_COLUMNS.map((c) => r[c])))];
  return `${options.bom === false ? '' : '\ufeff'}${lines.join('\r\n')}\r\n`;
}

export interface DiffJsonMeta {
  planId: string;
  digest: string;
}

/** The plan as the card showed it, complete, for scripts and audits. */
export function diffJson(plan: Plan, meta: DiffJsonMeta): string {
  return JSON.stringify(
    {
      planId: meta.planId,
      digest: meta.digest,
      company: plan.company,
      // In people, as the card and every other surface counts (sync/people.ts).
      counts: countPeople(plan),
      stats: plan.stats,
      guard: plan.guard,
      operations: plan.operations,
      conflicts: plan.conflicts,
      unmanaged: plan.unmanaged,
      skipped: plan.skipped,
    },
    null,
    2,
  );
}
