/**
 * Version id key (idKey: the 16-byte id as 8 UTF-16 units) → slot, in typed arrays: open
 * addressing with linear probing, deleted by shifting the run back (no tombstones). The id's words
 * are kept once, by slot (the caller's slot numbers, dense: the sync index reuses freed ones), and
 * a position holds only the slot: per id 16 B plus 4 B per position at a load of 1/2 to 3/4
 * (21.3–24 B), where positions holding the id and the slot took 27–53 B and a Map keyed by the id
 * as text ~90 B (docs/benchmarks.md, scenario 10). The ids grow (by half, then by an eighth) when a
 * slot past them comes, the positions by half at 3/4: not both at once. The positions are any
 * number, not a power of two (doubled, they were 3/8 full after each growth: 5.3–10.7 B per id, 8.7
 * B per component at 10k entities), and an id's home is its mixed words scaled to them (Lemire's
 * multiply-shift range reduction, "Fast Random Integer Generation in an Interval", 2019).
 *
 * The ids are unkeyed hashes of content their author chooses (version-id.ts), so an author can
 * still give many ids one word in common, at about 2^32 tries an id (it was free with the
 * MurmurHash3 ids of sync protocol 8): the position mixes all four words with a seed the table's
 * owner keeps secret (the node draws it at random; the core draws nothing), so ids placed in one
 * run on purpose land apart.
 *
 * The ids by slot are also the sync index's snapshots' ids (share(); SlotVectorStorage): each id is
 * held once (docs/benchmarks.md, scenario 10). A snapshot must not change while a session reads it,
 * so once the ids were shared, writing a slot a snapshot may name (one below the slots written at
 * share time: a freed slot given out again) first copies them; new slots past those, and growth
 * (which copies anyway), need no copy.
 */
export type IdTableSeed = readonly [number, number, number, number];

export class IdTable {
  /** Per slot: its id's 16 bytes (stale once the slot is deleted, until it is added again). */
  private bytes = new Uint8Array(16 * 16);
  /** The same bytes as 32-bit words in platform order (what positions are mixed from and compared by). */
  private words = new Uint32Array(this.bytes.buffer);
  /** Slots written so far (one past the highest). */
  private written = 0;
  /** Slots below this may be named by a snapshot holding `bytes` (share): copied before one is written. */
  private sharedBelow = 0;
  /** Per position: the slot, or -1 while empty. */
  private slots = new Int32Array(16).fill(-1);
  /** Positions / 2^32: a mixed id (32 bits) times this, rounded down, is its home. */
  private scale = 16 / 2 ** 32;
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

  /** Positions (4 B each): more than 4/3 of the ids, at most twice as many once past the first 12. */
  get positions(): number {
    return this.slots.length;
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
    else if (slot < this.sharedBelow) this.unshare();
    writeKey(key, this.bytes, 16 * slot);
    if (slot >= this.written) this.written = slot + 1;
    this.put(slot);
    this.count += 1;
  }

  /**
   * The ids by slot, for a snapshot that names slots (SlotVectorStorage): the slots present now keep
   * these bytes for as long as the snapshot lives, whatever the table does after (see the class).
   */
  share(): { readonly bytes: Uint8Array; readonly words: Uint32Array } {
    this.sharedBelow = this.written;
    return { bytes: this.bytes, words: this.words };
  }

  /** The id bytes of a present slot, as a view valid until the table changes. */
  idOf(slot: number): Uint8Array {
    return this.bytes.subarray(16 * slot, 16 * slot + 16);
  }

  /** Removes `key`; returns its slot, or undefined if absent. */
  delete(key: string): number | undefined {
    let i = this.position(key);
    if (i < 0) return undefined;
    const slot = this.slots[i]!;
    const words = this.words;
    const slots = this.slots;
    const last = slots.length - 1;
    // Backward shift: an entry further along the run moves into the hole unless its home lies
    // cyclically after the hole and at or before where it sits.
    for (let j = i === last ? 0 : i + 1; slots[j] !== -1; j = j === last ? 0 : j + 1) {
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
    const length = this.slots.length;
    writeKey(key, queryBytes, 0);
    const home = this.home(queryWords[0]!, queryWords[1]!, queryWords[2]!, queryWords[3]!);
    const at = this.position(key);
    if (at >= 0) return ((at - home + length) % length) + 1;
    let n = 1;
    for (let i = home; this.slots[i] !== -1; i = i === length - 1 ? 0 : i + 1) n++;
    return n;
  }

  /**
   * The id's home position: its mixed words times positions / 2^32, rounded down (below the
   * positions: the product's rounding error is under 2^−52 of it, the gap to the next integer at
   * least 2^−32).
   */
  private home(w0: number, w1: number, w2: number, w3: number): number {
    return (mixId(w0, w1, w2, w3, this.s0, this.s1, this.s2, this.s3) * this.scale) | 0;
  }

  private position(key: string): number {
    writeKey(key, queryBytes, 0);
    const w0 = queryWords[0]!;
    const w1 = queryWords[1]!;
    const w2 = queryWords[2]!;
    const w3 = queryWords[3]!;
    const words = this.words;
    const slots = this.slots;
    const last = slots.length - 1;
    for (let i = this.home(w0, w1, w2, w3); slots[i] !== -1; i = i === last ? 0 : i + 1) {
      const k = 4 * slots[i]!;
      if (words[k] === w0 && words[k + 1] === w1 && words[k + 2] === w2 && words[k + 3] === w3) return i;
    }
    return -1;
  }

  /** Places `slot`, whose words are written, at the first empty position from its id's home. */
  private put(slot: number): void {
    const last = this.slots.length - 1;
    const k = 4 * slot;
    const words = this.words;
    let i = this.home(words[k]!, words[k + 1]!, words[k + 2]!, words[k + 3]!);
    while (this.slots[i] !== -1) i = i === last ? 0 : i + 1;
    this.slots[i] = slot;
  }

  /**
   * Half as many positions again (the ids stay where they are, by slot): from 3/4 full to 1/2, so
   * an insert stays amortised O(1) (each id is placed again at most twice over, on average).
   */
  private grow(): void {
    const slots = this.slots;
    const length = Math.ceil(slots.length * 1.5);
    this.slots = new Int32Array(length).fill(-1);
    this.scale = length / 2 ** 32;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== -1) this.put(slots[i]!);
  }

  /**
   * Room for the ids of slots up to `slot`, or as many as it needs (a copy: shared no more): half as
   * many again while under 4,096, then an eighth more, as the sync index's slot arrays grow (by
   * half, up to a third of the ids were unused: 21.5 B per component at 10k entities where the ids
   * take 16; docs/benchmarks.md, scenario 10).
   */
  private growWords(slot: number): void {
    const have = this.bytes.length / 16;
    const bytes = new Uint8Array(16 * Math.max(slot + 1, have < 4096 ? Math.ceil(have * 1.5) : have + (have >> 3)));
    bytes.set(this.bytes);
    this.bytes = bytes;
    this.words = new Uint32Array(bytes.buffer);
    this.sharedBelow = 0;
  }

  /** A copy of the ids, so that a snapshot holding the shared one keeps its ids. */
  private unshare(): void {
    this.bytes = this.bytes.slice();
    this.words = new Uint32Array(this.bytes.buffer);
    this.sharedBelow = 0;
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

/** Writes the id an idKey() was made from (two bytes per UTF-16 unit) at `out[off..off+16]`. */
function writeKey(key: string, out: Uint8Array, off: number): void {
  for (let i = 0; i < 8; i++) {
    const u = key.charCodeAt(i);
    out[off + 2 * i] = u & 0xff;
    out[off + 2 * i + 1] = u >>> 8;
  }
}

/** A looked-up key's bytes, and as words in platform order (the order `words` holds ids in). */
const queryBytes = new Uint8Array(16);
const queryWords = new Uint32Array(queryBytes.buffer);
