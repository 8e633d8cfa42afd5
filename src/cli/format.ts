/**
 * Numbers and times as the CLI prints them for people: thousands separators ("1,375"), and one
 * style of time everywhere, the cards' own ("2026-03-04 02:00 UTC").
 */
export const count = (n: number): string => n.toLocaleString('en-US');

export const when = (d: Date | null): string => (d === null ? '-' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
