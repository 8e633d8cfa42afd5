/**
 * Positions by text key: the planner's look-ups of 100,000 ids and addresses.
 *
 * A Map keyed by strings checks, on every set and get, the keys already in the bucket it lands
 * in, and each of those is a string somewhere else in a heap of a few hundred MB: a cache miss
 * per key compared, two or three per call. Here each slot keeps the key's hash beside it in a
 * typed array, so a probe compares numbers and reads a stored key only when the hashes agree
 * (nearly always the one it is looking for); the table is sized once for the records it is built
 * from. At 100,000 records that is about half the time of a Map, building and looking up.
 *
 * Only what the planner asks of it: add (first position wins), set (last wins), get, size.
 */

/** What the planner reads from a text index (a ReadonlyMap<string, number> answers the same). */
export interface PositionLookup {
  get(key: string): number | undefined;
  readonly size: number;
}

/**
 * FNV-1a over the UTF-16 code units, mixed so the low bits (the slot) depend on every unit. The
 * hash only chooses slots: keys are always compared in full, so a poor spread is slower, never wrong.
 */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

export class TextIndex implements PositionLookup {
  /** Entry number + 1 per slot (0: empty); linear probing. */
  private slots: Int32Array;
  /** The hash of each slot's key. */
  private hashes: Int32Array;
  private mask: number;
  /** By entry number, in the order keys were first filed. */
  private keys: string[];
  private values: Int32Array;
  private count = 0;

  /** @param expected how many keys it will hold (more are fine: it grows) */
  constructor(expected: number) {
    let capacity = 16;
    // At most half full: short probe runs.
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.keys = new Array<string>(Math.max(expected, 8));
    this.values = new Int32Array(Math.max(expected, 8));
  }

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const hash = hashText(key);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return undefined;
      if (this.hashes[slot] === hash && this.keys[entry - 1] === key) return this.values[entry - 1];
    }
  }

  /** Files `position` under `key` unless the key has one already; whether it was added. */
  add(key: string, position: number): boolean {
    return this.put(key, position, false);
  }

  /** Files `position` under `key`, in place of any position it had. */
  set(key: string, position: number): void {
    this.put(key, position, true);
  }

  private put(key: string, position: number, replace: boolean): boolean {
    const hash = hashText(key);
    let slot = hash & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) break;
      if (this.hashes[slot] === hash && this.keys[entry - 1] === key) {
        if (replace) this.values[entry - 1] = position;
        return false;
      }
    }
    if (this.count === this.values.length) this.growEntries();
    this.keys[this.count] = key;
    this.values[this.count] = position;
    this.count += 1;
    this.slots[slot] = this.count;
    this.hashes[slot] = hash;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return true;
  }

  // More keys than expected (not in the planner's use): the usual doubling.
  private growEntries(): void {
    const values = new Int32Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    this.keys.length = values.length;
  }

  private growSlots(): void {
    const capacity = this.slots.length * 2;
    const slots = new Int32Array(capacity);
    const hashes = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let old = 0; old < this.slots.length; old++) {
      const entry = this.slots[old] as number;
      if (entry === 0) continue;
      const hash = this.hashes[old] as number;
      let slot = hash & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry;
      hashes[slot] = hash;
    }
    this.slots = slots;
    this.hashes = hashes;
    this.mask = mask;
  }
}
