/**
 * The (entity, kind, clock) keys of one batch's versions, to refuse a repeat (decode.ts): an
 * open-addressing hash set over the keys as numbers (entity and node as the index of their first
 * entry in the batch's tables, so a table listing one id twice still names one id), with every
 * field compared on a hit, so it is exact. It replaced a Set of the keys as text, whose building
 * took 1.5 µs of the 2.5 µs a version's decoding cost (docs/benchmarks.md, scenario 1).
 *
 * The hash is fixed (src/core holds no randomness), so a hostile batch could make keys collide;
 * a probe longer than `maxProbe` moves the rest of the batch to a Set of the keys as text, which
 * is as exact and bounds the work at `maxProbe` compares a version.
 */
export class RepeatSet {
  private readonly slots: Int32Array;
  private mask: number;
  private readonly entity: Int32Array;
  private readonly kind: Int32Array;
  private readonly node: Int32Array;
  private readonly ms: Float64Array;
  private readonly c: Float64Array;
  private n = 0;
  /** The keys as text once a probe ran too long (see the header). */
  private text: Set<string> | undefined;

  constructor(
    count: number,
    private readonly maxProbe = 32,
  ) {
    const size = slotsFor(count);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.entity = new Int32Array(count);
    this.kind = new Int32Array(count);
    this.node = new Int32Array(count);
    this.ms = new Float64Array(count);
    this.c = new Float64Array(count);
  }

  /**
   * An empty set for a batch of `count` keys: the decoder's one spare set, emptied, when it has
   * room (its seven typed arrays a batch were a measurable part of decoding a batch of 1,000:
   * docs/benchmarks.md, scenario 1), else a new one. The spare is emptied here, on every use, so
   * a batch that failed half way leaves nothing behind; decoding is synchronous and never re-entered.
   */
  static forBatch(count: number): RepeatSet {
    if (count > SPARE_KEYS) return new RepeatSet(count);
    const s = spare;
    const size = slotsFor(count);
    s.slots.fill(0, 0, size);
    s.mask = size - 1;
    s.n = 0;
    s.text = undefined;
    return s;
  }

  /**
   * Adds a key; false when it was already there. `entity`, `kind`, `node`: small non-negative
   * integers naming the batch's entity, kind and author (equal ids, equal numbers); `ms`, `c`: the clock.
   */
  add(entity: number, kind: number, ms: number, c: number, node: number): boolean {
    if (this.text !== undefined) return this.addText(entity, kind, ms, c, node);
    let h = Math.imul(entity, 0x9e3779b1) ^ Math.imul(kind + 1, 0x85ebca6b) ^ Math.imul(node + 1, 0x27d4eb2f);
    h ^= Math.imul(ms | 0, 0xc2b2ae35) ^ Math.imul((ms / 0x1_0000_0000) | 0, 0x165667b1) ^ Math.imul(c | 0, 0x2c1b3c6d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    const slots = this.slots;
    const mask = this.mask;
    let at = h & mask;
    for (let probe = 0; slots[at] !== 0; probe++) {
      const k = slots[at]! - 1;
      if (
        this.ms[k] === ms &&
        this.c[k] === c &&
        this.entity[k] === entity &&
        this.kind[k] === kind &&
        this.node[k] === node
      )
        return false;
      if (probe >= this.maxProbe) {
        this.toText();
        return this.addText(entity, kind, ms, c, node);
      }
      at = (at + 1) & mask;
    }
    const k = this.n++;
    this.entity[k] = entity;
    this.kind[k] = kind;
    this.node[k] = node;
    this.ms[k] = ms;
    this.c[k] = c;
    slots[at] = k + 1;
    return true;
  }

  private toText(): void {
    const text = new Set<string>();
    for (let k = 0; k < this.n; k++)
      text.add(textKey(this.entity[k]!, this.kind[k]!, this.ms[k]!, this.c[k]!, this.node[k]!));
    this.text = text;
  }

  private addText(entity: number, kind: number, ms: number, c: number, node: number): boolean {
    const key = textKey(entity, kind, ms, c, node);
    if (this.text!.has(key)) return false;
    this.text!.add(key);
    return true;
  }
}

/** Slots of the hash table for `count` keys: a power of two, at least twice the keys. */
function slotsFor(count: number): number {
  let size = 16;
  while (size < count * 2) size *= 2;
  return size;
}

/** The largest batch the spare set takes: a frame of the sync path (1,000 versions) fits; 72 KiB held for the life of the module. */
const SPARE_KEYS = 2048;
const spare = new RepeatSet(SPARE_KEYS);

function textKey(entity: number, kind: number, ms: number, c: number, node: number): string {
  return `${entity} ${kind} ${ms} ${c} ${node}`;
}

/** For each entry of a table, the index of its first equal entry (ids listed twice name one id). */
export function firstIndices(table: readonly string[]): Int32Array {
  const out = new Int32Array(table.length);
  const first = new Map<string, number>();
  for (let i = 0; i < table.length; i++) {
    const s = table[i]!;
    const f = first.get(s);
    if (f === undefined) {
      first.set(s, i);
      out[i] = i;
    } else out[i] = f;
  }
  return out;
}

/**
 * True when each entry is greater than the one before (the encoder's sorted entity table): then no
 * id is listed twice and each entry is its own first, which firstIndices would build a Map to learn.
 */
export function strictlyAscending(table: readonly string[]): boolean {
  for (let i = 1; i < table.length; i++) if (!(table[i - 1]! < table[i]!)) return false;
  return true;
}
