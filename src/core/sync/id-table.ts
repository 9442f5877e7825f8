/**
 * Version id key (idKey: the 16-byte id as 8 UTF-16 units) → slot, in typed arrays: open
 * addressing with linear probing, deleted by shifting the run back (no tombstones). Per entry 16 B of
 * id and a 4-byte slot at a load of 3/8 to 3/4 (27–53 B), where a Map keyed by the id as text held an
 * 8-character string and a Map entry per version, ~90 B (docs/benchmarks.md, scenario 10). The ids
 * are murmur128 hashes (version-id.ts), so their first word is the table position as it is.
 */
export class IdTable {
  private words = new Uint32Array(4 * 16);
  /** Per position: the slot, or -1 while empty. */
  private slots = new Int32Array(16).fill(-1);
  private count = 0;

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

  /** Adds `key` (which must be absent) with its slot. */
  add(key: string, slot: number): void {
    if ((this.count + 1) * 4 > this.slots.length * 3) this.grow();
    this.put(word(key, 0), word(key, 1), word(key, 2), word(key, 3), slot);
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
      const home = words[4 * j]! & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      words.copyWithin(4 * i, 4 * j, 4 * j + 4);
      slots[i] = slots[j]!;
      i = j;
    }
    slots[i] = -1;
    this.count -= 1;
    return slot;
  }

  private position(key: string): number {
    const w0 = word(key, 0);
    const w1 = word(key, 1);
    const w2 = word(key, 2);
    const w3 = word(key, 3);
    const mask = this.slots.length - 1;
    const words = this.words;
    for (let i = w0 & mask; this.slots[i] !== -1; i = (i + 1) & mask) {
      const k = 4 * i;
      if (words[k] === w0 && words[k + 1] === w1 && words[k + 2] === w2 && words[k + 3] === w3) return i;
    }
    return -1;
  }

  private put(w0: number, w1: number, w2: number, w3: number, slot: number): void {
    const mask = this.slots.length - 1;
    let i = w0 & mask;
    while (this.slots[i] !== -1) i = (i + 1) & mask;
    const k = 4 * i;
    this.words[k] = w0;
    this.words[k + 1] = w1;
    this.words[k + 2] = w2;
    this.words[k + 3] = w3;
    this.slots[i] = slot;
  }

  private grow(): void {
    const words = this.words;
    const slots = this.slots;
    this.words = new Uint32Array(words.length * 2);
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === -1) continue;
      const k = 4 * i;
      this.put(words[k]!, words[k + 1]!, words[k + 2]!, words[k + 3]!, slots[i]!);
    }
  }
}

/** The key's 32-bit word `i` (two UTF-16 units, as idKey packed the id's bytes). */
function word(key: string, i: number): number {
  return (key.charCodeAt(2 * i) | (key.charCodeAt(2 * i + 1) << 16)) >>> 0;
}
