/** Levenshtein distance, stopping early once it exceeds `max` (names are short, lists are long). */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The candidate closest to `word` (case-insensitive), if it is close enough to be a slip. */
export function closest(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  const max = Math.max(1, Math.floor(w.length / 3));
  let best: { candidate: string; d: number } | null = null;
  for (const candidate of candidates) {
    const d = editDistance(w, candidate.toLowerCase(), max);
    if (d <= max && (best === null || d < best.d)) best = { candidate, d };
  }
  return best?.candidate ?? null;
}
