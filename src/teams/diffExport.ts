/**
 * The full diff behind a preview card, as CSV (for Excel) and JSON (for scripts). The card only
 * shows the first rows; this is what the "Download full diff" links serve.
 */
import { changeRows, type Plan } from '../sync';
import { planCounts } from './cards';

/** One row per person and change (see sync/changes.ts), with the value before and after. */
export const CSV_COLUMNS = ['change', 'person', 'name', 'field', 'before', 'after', 'reason', 'id'] as const;
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

/** The plan's rows: one per person and change, joiners first (the wording is sync's changeRows). */
export function diffRows(plan: Plan): DiffRow[] {
  return changeRows(plan).map((c) => ({ change: c.category, person: c.person, name: c.name, field: c.field, before: c.before, after: c.after, reason: c.reason, id: c.id }));
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
      counts: planCounts(plan),
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
