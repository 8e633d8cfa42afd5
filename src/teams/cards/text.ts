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
