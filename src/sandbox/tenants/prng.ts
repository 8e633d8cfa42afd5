/**
 * A tiny seeded PRNG (mulberry32). Sandbox tenants must be identical for a given seed on every
 * machine, so Math.random is never used here.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** true with probability p. */
  chance(p: number): boolean;
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p: number) => next() < p,
  };
}

/** A stable 32-bit seed from a string (FNV-1a), so seeds can be company ids. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A GUID-shaped id derived from the generator (version-4 layout, deterministic). */
export function guidFrom(rng: Rng): string {
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += rng.int(16).toString(16);
    return s;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + rng.int(4)).toString(16)}${hex(3)}-${hex(12)}`;
}
