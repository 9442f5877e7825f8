/**
 * Version id key (idKey: the 16-byte id as 8 UTF-16 units) → slot, in typed arrays: open
 * addressing with linear probing, deleted by shifting the run back (no tombstones). The id's words
 * are kept once, by slot (the caller's slot numbers, dense: the sync index reuses freed ones), and
 * a position holds only the slot: per id 16 B plus 4 B per position at a load of 3/8 to 3/4
 * (21–27 B), where positions holding the id and the slot took 27–53 B and a Map keyed by the id as
 * text ~90 B (docs/benchmarks.md, scenario 10). The ids grow by half when a slot past them comes,
 * the positions double at 3/4: not both at once.
 *
 * The ids are unkeyed murmur128 hashes of content their author chooses (version-id.ts), so an
 * author can give many ids one word in common (docs/security.md): the position mixes all four words
 * with a seed the table's owner keeps secret (the node draws it at random; the core draws nothing),
 * so ids placed in one run on purpose land apart.
 */
export type IdTableSeed = readonly [number, number, number, number];

export class IdTable {
  /** Per slot: its id's four words (stale once the slot is deleted, until it is added again). */
  private words = new Uint32Array(4 * 16);
  /** Per position: the slot, or -1 while empty. */
  private slots = new Int32Array(16).fill(-1);
  /** 32 − log2(capacity): a position is the top bits of the mixed id. */
  private shift = 28;
  private count = 0;
  private readonly s0: number;
  private readonly s1: number;
  private readonly s2: number;
  private readonly s3: number;

  constructor(seed: IdTableSeed) {
    this.s0 = seed[0] | 0;
    this.s1 = seed[1] | 0;
    this.s2 = seed[2] | 0;
    this.s3 = seed[3] | 0;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): number | undefined {
    const i = this.position(key);
    return i < 0 ? undefined : this.slots[i];
  }

  has(key: string): boolean {
    return this.position(key) >= 0;
  }

  /** Adds `key` (which must be absent) with its slot (a non-negative integer no other present key has). */
  add(key: string, slot: number): void {
    if ((this.count + 1) * 4 > this.slots.length * 3) this.grow();
    if (4 * slot + 4 > this.words.length) this.growWords(slot);
    const k = 4 * slot;
    this.words[k] = word(key, 0);
    this.words[k + 1] = word(key, 1);
    this.words[k + 2] = word(key, 2);
    this.words[k + 3] = word(key, 3);
    this.put(slot);
    this.count += 1;
  }

  /** Removes `key`; returns its slot, or undefined if absent. */
  delete(key: string): number | undefined {
    let i = this.position(key);
    if (i < 0) return undefined;
    const slot = this.slots[i]!;
    const mask = this.slots.length - 1;
    const words = this.words;
    const slots = this.slots;
    // Backward shift: an entry further along the run moves into the hole unless its home lies
    // cyclically after the hole and at or before where it sits.
    for (let j = (i + 1) & mask; slots[j] !== -1; j = (j + 1) & mask) {
      const k = 4 * slots[j]!;
      const home = this.home(words[k]!, words[k + 1]!, words[k + 2]!, words[k + 3]!);
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[i] = slots[j]!;
      i = j;
    }
    slots[i] = -1;
    this.count -= 1;
    return slot;
  }

  /**
   * Positions looked at to find `key` (present or not), from its home to it or to the empty
   * position ending the run: what a lookup, an add or a delete of it walks.
   */
  probeLength(key: string): number {
    const mask = this.slots.length - 1;
    const home = this.home(word(key, 0), word(key, 1), word(key, 2), word(key, 3));
    const at = this.position(key);
    if (at >= 0) return ((at - home) & mask) + 1;
    let n = 1;
    for (let i = home; this.slots[i] !== -1; i = (i + 1) & mask) n++;
    return n;
  }

  /** The id's home position: the top bits of its mixed words. */
  private home(w0: number, w1: number, w2: number, w3: number): number {
    return mixId(w0, w1, w2, w3, this.s0, this.s1, this.s2, this.s3) >>> this.shift;
  }

  private position(key: string): number {
    const w0 = word(key, 0);
    const w1 = word(key, 1);
    const w2 = word(key, 2);
    const w3 = word(key, 3);
    const mask = this.slots.length - 1;
    const words = this.words;
    const slots = this.slots;
    for (let i = this.home(w0, w1, w2, w3); slots[i] !== -1; i = (i + 1) & mask) {
      const k = 4 * slots[i]!;
      if (words[k] === w0 && words[k + 1] === w1 && words[k + 2] === w2 && words[k + 3] === w3) return i;
    }
    return -1;
  }

  /** Places `slot`, whose words are written, at the first empty position from its id's home. */
  private put(slot: number): void {
    const mask = this.slots.length - 1;
    const k = 4 * slot;
    const words = this.words;
    let i = this.home(words[k]!, words[k + 1]!, words[k + 2]!, words[k + 3]!);
    while (this.slots[i] !== -1) i = (i + 1) & mask;
    this.slots[i] = slot;
  }

  /** Doubles the positions (the ids stay where they are, by slot). */
  private grow(): void {
    const slots = this.slots;
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    this.shift -= 1;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== -1) this.put(slots[i]!);
  }

  /** Room for the words of slots up to `slot`: half as many again, or as many as it needs. */
  private growWords(slot: number): void {
    const words = new Uint32Array(4 * Math.max(slot + 1, Math.ceil((this.words.length / 4) * 1.5)));
    words.set(this.words);
    this.words = words;
  }
}

/** An id's four words, each with a seed word, mixed (multiply-xor) into 32 bits. */
export function mixId(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
): number {
  let h = Math.imul(w0 ^ s0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w1 ^ s1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ w2 ^ s2, 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16) ^ w3 ^ s3, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The key's 32-bit word `i` (two UTF-16 units, as idKey packed the id's bytes). */
function word(key: string, i: number): number {
  return (key.charCodeAt(2 * i) | (key.charCodeAt(2 * i + 1) << 16)) >>> 0;
}
