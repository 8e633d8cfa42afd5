/**
 * Text helpers for card data. User data (names, addresses, error messages from APIs) lands in
 * TextBlocks that render markdown, so it is escaped and cut short: a hostile display name must
 * not become a link, and one huge error string must not blow the message size limit.
 */

/** Cut to `max` characters (code points, so an emoji is never split) with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Escape the markdown Teams renders in a TextBlock, and flatten line breaks. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/([\\`*_[\]<>#~])/g, '\\$1');
}

/** User data for a TextBlock: plain, single-line, bounded. `null` reads as an em dash. */
export function plain(text: string | null | undefined, max: number): string {
  if (text === null || text === undefined || text === '') return '—';
  return escapeMarkdown(truncate(text, max));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "+N more" line under a capped list. */
export function moreText(total: number, shown: number, where: string): string {
  const rest = total - shown;
  return rest > 0 ? `+${rest.toLocaleString('en-US')} more ${where}` : '';
}

const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** Text with record ids (GUIDs) taken out: an admin decides from names and addresses, never ids. */
export function withoutIds(text: string): string {
  return text.replace(GUID, '(id)').replace(/ ?\(\(id\)\)/g, '');
}

/**
 * A time for the card host to show in the reader's own time zone and locale (Adaptive Cards'
 * DATE() and TIME() functions: "Mar 4, 2026 at 3:00 PM" for one admin, "4 Mar 2026 15:00" for
 * another). The host reads RFC 3339 without fractions of a second; anything else is shown as is.
 */
export function cardTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return plain(iso, 40);
  const t = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${t}, SHORT)}} at {{TIME(${t})}}`;
}

/** Thousands separators for the bare counts in a sentence from the core ("of 2250 active" → "of 2,250 active"). */
export function withSeparators(text: string): string {
  return text.replace(/(?<![\d.,])\d{4,}(?![\d.,]*\d)/g, (n) => Number(n).toLocaleString('en-US'));
}
