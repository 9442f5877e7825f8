import type { Bound } from './bound';
import { itemAtOrAfter } from './bound';
import { ReconcileError, ReconcileErrorCode } from './errors';
import { type FingerprintKey, fingerprintOf, idMix } from './fingerprint';
import type { Item } from './item';
import { checkItem, ID_SIZE } from './item';
import type { ReconcileStorage } from './storage';
import { add128, sub128 } from './sum128';

/**
 * The node's reconciliation set: items in sorted parallel typed arrays (timestamps, id bytes), with
 * a lazily maintained prefix sum of the ids' terms at every BLOCK-th item, so that sum/fingerprint
 * of any range is O(1): the checkpoints at or below each end, plus the terms of at most BLOCK − 1
 * items past each, computed from the ids when asked. Per item 24 B and the checkpoints' 2 B, where
 * a term (16 B) and a prefix sum (16 B) per item took 56 (docs/benchmarks.md, scenario 10). New
 * versions are mostly recent, so they land near the end and both the array shift and the prefix
 * recomputation stay short.
 *
 * What it caches of the keyed sums (fingerprint.ts), and how that differs from the sync index's
 * snapshots (SlotVectorStorage, slot-vector-storage.ts, which answer the same sums and are checked
 * against this class in their model test):
 *  - the checkpoints of ONE key, the last summed under; a sum under another key drops them and
 *    starts that key's from the first item (correct under any mix of keys, only slower);
 *  - insert/delete at index i keeps the checkpoints up to i's block, the rest are recomputed when a
 *    sum next needs them; insertMany and the constructor start with none;
 *  - rebuilt() starts the new storage with none: it does not reuse `prev`'s.
 * That suits its users: each reads it under one key at a time — tests and benchmarks, and in a
 * running node only the set-aside versions of one link's UnionStorage (at most MAX_LINK_HELD_BACK,
 * sync/link-hold-back.ts), read only by that link's session, under its one key, for as long as the
 * storage lives (the hold-back is the session's, and a reconnect is a new session). A SlotVectorStorage is different on both counts: every link's session
 * reads the same snapshot at once, each under its own key, so one slot would throw away one link's
 * sums at every other link's round; and a new snapshot is made for almost every round, so its sums
 * are carried from snapshot to snapshot (a Lineage) where this class's are kept in place by the
 * mutations above.
 */
export class SortedVectorStorage implements ReconcileStorage {
  private tsArr: Float64Array;
  private idBytes: Uint8Array;
  /** The same bytes as 32-bit words in platform order (compared for equality, never summed). */
  private idWords: Uint32Array;
  /** The checkpoints of the key last summed under, or null. */
  private sums: KeyedPrefix | null = null;
  private n = 0;
  /** Lazily built hash index id → position (open addressing on the first id word), dropped on mutation. */
  private idIndex: Int32Array | null = null;

  constructor(items: Iterable<Item> = []) {
    const list = Array.from(items);
    for (const it of list) checkItem(it);
    const cap = Math.max(16, list.length);
    this.tsArr = new Float64Array(cap);
    this.idBytes = new Uint8Array(cap * ID_SIZE);
    this.idWords = new Uint32Array(this.idBytes.buffer);
    this.loadSorted(list);
  }

  static fromItems(items: Iterable<Item>): SortedVectorStorage {
    return new SortedVectorStorage(items);
  }

  get size(): number {
    return this.n;
  }

  /**
   * A new storage holding `prev`'s items but those with the ids in `drop`, and `added` (sorted by
   * compareItems, none already in `prev`): one merge pass over the typed arrays, so a set whose
   * snapshot changes by a few items is rebuilt without an object per item (as SlotVectorStorage.rebuilt
   * rebuilds the sync index's: docs/benchmarks.md, scenario 10). `prev` is not changed.
   */
  static rebuilt(prev: SortedVectorStorage, drop: readonly Uint8Array[], added: readonly Item[]): SortedVectorStorage {
    for (const it of added) checkItem(it);
    const n = prev.n;
    const dropped = drop.length > 0 ? new Uint8Array(n) : undefined;
    let gone = 0;
    if (dropped !== undefined) {
      for (const id of drop) {
        const p = prev.indexOfId(0, n, id);
        if (p >= 0 && dropped[p] === 0) {
          dropped[p] = 1;
          gone++;
        }
      }
    }
    // Exactly as long as needed, as the constructor makes them (grow() would round up to a power of two).
    const out = new SortedVectorStorage();
    const cap = Math.max(16, n - gone + added.length);
    out.tsArr = new Float64Array(cap);
    out.idBytes = new Uint8Array(cap * ID_SIZE);
    out.idWords = new Uint32Array(out.idBytes.buffer);
    let k = 0;
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (dropped !== undefined && dropped[i] === 1) continue;
      const ts = prev.tsArr[i]!;
      for (; j < added.length; j++) {
        const c = prev.compareAt(i, added[j]!.ts, added[j]!.id);
        if (c < 0) break;
        // (an added item `prev` holds already is kept once)
        if (c > 0) out.writeAt(k++, added[j]!.ts, added[j]!.id);
      }
      out.tsArr[k] = ts;
      out.idBytes.set(prev.idBytes.subarray(i * ID_SIZE, (i + 1) * ID_SIZE), k * ID_SIZE);
      k++;
    }
    for (; j < added.length; j++) out.writeAt(k++, added[j]!.ts, added[j]!.id);
    out.n = k;
    return out;
  }

  timestampAt(i: number): number {
    this.checkIndex(i);
    return this.tsArr[i]!;
  }

  idAt(i: number): Uint8Array {
    this.checkIndex(i);
    return this.idBytes.subarray(i * ID_SIZE, (i + 1) * ID_SIZE);
  }

  itemAt(i: number): Item {
    return { ts: this.timestampAt(i), id: this.idBytes.slice(i * ID_SIZE, (i + 1) * ID_SIZE) };
  }

  /** All items in order (copies). */
  toArray(): Item[] {
    const out: Item[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.itemAt(i));
    return out;
  }

  findLowerBound(bound: Bound, begin = 0, end = this.n): number {
    let lo = Math.max(0, begin);
    let hi = Math.min(this.n, end);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (itemAtOrAfter(bound, this.tsArr[mid]!, this.idBytes, mid * ID_SIZE)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  sum(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off = 0): void {
    this.checkRange(begin, end);
    if (begin >>> BLOCK_BITS === end >>> BLOCK_BITS) {
      // Within one block: the terms themselves (fewer than BLOCK).
      out.fill(0, off, off + 4);
      this.addTerms(key, begin, end, out, off);
      return;
    }
    this.prefixTo(key, end, out, off);
    this.prefixTo(key, begin, rangeScratch, 0);
    sub128(out, off, rangeScratch, 0, out, off);
  }

  fingerprint(key: FingerprintKey, begin: number, end: number): Uint8Array {
    const s = new Uint32Array(4);
    this.sum(key, begin, end, s, 0);
    return fingerprintOf(s, end - begin);
  }

  indexOfId(begin: number, end: number, id: Uint8Array): number {
    this.checkRange(begin, end);
    if (id.length !== ID_SIZE) return -1;
    // The id's words as idWords holds them (an aligned copy: `id` may be any view).
    queryBytes.set(id);
    const q0 = queryWords[0];
    const q1 = queryWords[1];
    const q2 = queryWords[2];
    const q3 = queryWords[3];
    const w = this.idWords;
    if (end - begin > SCAN_LIMIT) {
      const table = this.idIndex ?? this.buildIdIndex();
      const mask = table.length - 1;
      const t = new Uint32Array(4);
      idMix(id, 0, t, 0);
      for (let slot = t[0]! & mask; ; slot = (slot + 1) & mask) {
        const e = table[slot]!;
        if (e === 0) return -1;
        const p = (e - 1) * 4;
        // (the same id at two timestamps is tolerated: keep probing for one inside the range)
        if (w[p] === q0 && w[p + 1] === q1 && w[p + 2] === q2 && w[p + 3] === q3 && e - 1 >= begin && e - 1 < end) {
          return e - 1;
        }
      }
    }
    for (let i = begin; i < end; i++) {
      const p = i * 4;
      if (w[p] === q0 && w[p + 1] === q1 && w[p + 2] === q2 && w[p + 3] === q3) return i;
    }
    return -1;
  }

  /** Index of the item, or -1. */
  indexOf(item: Item): number {
    const pos = this.searchItem(item.ts, item.id);
    return pos >= 0 ? pos : -1;
  }

  has(item: Item): boolean {
    return this.indexOf(item) >= 0;
  }

  /** Adds an item; false if it was already present. O(n - position) for the shift. */
  insert(item: Item): boolean {
    checkItem(item);
    const pos = this.searchItem(item.ts, item.id);
    if (pos >= 0) return false;
    const at = -pos - 1;
    this.grow(this.n + 1);
    const n = this.n;
    if (at < n) {
      this.tsArr.copyWithin(at + 1, at, n);
      this.idBytes.copyWithin((at + 1) * ID_SIZE, at * ID_SIZE, n * ID_SIZE);
    }
    this.writeAt(at, item.ts, item.id);
    this.n = n + 1;
    if (this.sums !== null) this.sums.valid = Math.min(this.sums.valid, at >>> BLOCK_BITS);
    this.idIndex = null;
    return true;
  }

  /** Removes an item; false if it was absent. */
  delete(item: Item): boolean {
    checkItem(item);
    const pos = this.searchItem(item.ts, item.id);
    if (pos < 0) return false;
    const n = this.n;
    this.tsArr.copyWithin(pos, pos + 1, n);
    this.idBytes.copyWithin(pos * ID_SIZE, (pos + 1) * ID_SIZE, n * ID_SIZE);
    this.n = n - 1;
    if (this.sums !== null) this.sums.valid = Math.min(this.sums.valid, pos >>> BLOCK_BITS);
    this.idIndex = null;
    return true;
  }

  /** Adds many items in one merge pass (O(n + m log m)); returns how many were new. */
  insertMany(items: Iterable<Item>): number {
    const list = Array.from(items);
    if (list.length === 0) return 0;
    if (list.length < 8) {
      let added = 0;
      for (const it of list) if (this.insert(it)) added++;
      return added;
    }
    for (const it of list) checkItem(it);
    const before = this.n;
    const old = this.toArray();
    const merged = old.concat(list);
    this.n = 0;
    this.grow(merged.length);
    this.loadSorted(merged);
    return this.n - before;
  }

  // ---- internals ----

  private buildIdIndex(): Int32Array {
    let cap = 16;
    while (cap < this.n * 2) cap *= 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    const t = new Uint32Array(4);
    for (let i = 0; i < this.n; i++) {
      // Placed by the id's public mix (not its keyed term: a table position, the same for every
      // session), as indexOfId looks it up.
      idMix(this.idBytes, i * ID_SIZE, t, 0);
      let slot = t[0]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.idIndex = table;
    return table;
  }

  private loadSorted(list: Item[]): void {
    const order = list.map((_, i) => i);
    order.sort((a, b) => compareRaw(list[a]!, list[b]!));
    let n = 0;
    for (const idx of order) {
      const it = list[idx]!;
      if (n > 0 && this.tsArr[n - 1] === it.ts && this.sameIdAt(n - 1, it.id)) continue; // duplicate
      this.writeAt(n, it.ts, it.id);
      n++;
    }
    this.n = n;
    this.sums = null;
    this.idIndex = null;
  }

  private sameIdAt(i: number, id: Uint8Array): boolean {
    const off = i * ID_SIZE;
    for (let j = 0; j < ID_SIZE; j++) if (this.idBytes[off + j] !== id[j]) return false;
    return true;
  }

  private writeAt(i: number, ts: number, id: Uint8Array): void {
    this.tsArr[i] = ts;
    this.idBytes.set(id, i * ID_SIZE);
  }

  /** Index if present, else -(insertion point) - 1. */
  private searchItem(ts: number, id: Uint8Array): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(mid, ts, id);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -lo - 1;
  }

  /** Sign of (item at i) - (ts, id). */
  private compareAt(i: number, ts: number, id: Uint8Array): number {
    const t = this.tsArr[i]!;
    if (t !== ts) return t < ts ? -1 : 1;
    const off = i * ID_SIZE;
    for (let j = 0; j < ID_SIZE; j++) {
      const d = this.idBytes[off + j]! - id[j]!;
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
  }

  private grow(need: number): void {
    const cap = this.tsArr.length;
    if (need <= cap) return;
    let next = cap * 2;
    while (next < need) next *= 2;
    const ts = new Float64Array(next);
    ts.set(this.tsArr.subarray(0, this.n));
    const ids = new Uint8Array(next * ID_SIZE);
    ids.set(this.idBytes.subarray(0, this.n * ID_SIZE));
    const sums = this.sums;
    if (sums !== null) {
      const prefix = new Uint32Array(checkpoints(next) * 4);
      prefix.set(sums.prefix.subarray(0, (sums.valid + 1) * 4));
      sums.prefix = prefix;
    }
    this.tsArr = ts;
    this.idBytes = ids;
    this.idWords = new Uint32Array(ids.buffer);
  }

  /** The checkpoints under `key`: those kept if they are that key's, else new ones. */
  private sumsFor(key: FingerprintKey): KeyedPrefix {
    if (this.sums?.key === key) return this.sums;
    this.sums = { key, prefix: new Uint32Array(checkpoints(this.tsArr.length) * 4), valid: 0 };
    return this.sums;
  }

  /** out[off..off+4] = Σ term(id) of items 0..i-1: the checkpoint at or below i, then the items past it. */
  private prefixTo(key: FingerprintKey, i: number, out: Uint32Array, off: number): void {
    const b = i >>> BLOCK_BITS;
    const sums = this.sumsFor(key);
    const p = sums.prefix;
    for (let k = sums.valid; k < b; k++) {
      p.copyWithin((k + 1) * 4, k * 4, k * 4 + 4);
      this.addTerms(key, k * BLOCK, (k + 1) * BLOCK, p, (k + 1) * 4);
    }
    if (b > sums.valid) sums.valid = b;
    out.set(p.subarray(b * 4, b * 4 + 4), off);
    const start = b * BLOCK;
    this.addTerms(key, start, i, out, off);
  }

  /** out[off..off+4] += Σ key.term(id) of items begin..end-1. */
  private addTerms(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off: number): void {
    for (let i = begin; i < end; i++) {
      key.term(this.idBytes, i * ID_SIZE, termScratch, 0);
      add128(out, off, termScratch, 0, out, off);
    }
  }

  private checkIndex(i: number): void {
    if (!(i >= 0 && i < this.n)) throw new ReconcileError(ReconcileErrorCode.Usage, `index out of range: ${i}`);
  }

  private checkRange(begin: number, end: number): void {
    if (!(begin >= 0 && begin <= end && end <= this.n)) {
      throw new ReconcileError(ReconcileErrorCode.Usage, `bad range [${begin}, ${end}) of ${this.n}`);
    }
  }
}

/** Ranges up to this many items are scanned; larger ones use the hash index. */
const SCAN_LIMIT = 256;

/** A prefix sum is kept at every BLOCK-th item (BLOCK = 2^BLOCK_BITS): 2 B per item, ≤ 7 terms computed per end. */
const BLOCK_BITS = 3;
const BLOCK = 1 << BLOCK_BITS;

/**
 * Prefix sums under one key: prefix[4*b..4*b+4] = Σ key.term(id) (fingerprint.ts) of items
 * 0..BLOCK*b-1, valid for b <= valid.
 */
export interface KeyedPrefix {
  readonly key: FingerprintKey;
  prefix: Uint32Array;
  valid: number;
}

/** Checkpoints for `cap` items: one per block start up to and including cap. */
function checkpoints(cap: number): number {
  return (cap >>> BLOCK_BITS) + 1;
}

const termScratch = new Uint32Array(4);
const rangeScratch = new Uint32Array(4);
const queryBytes = new Uint8Array(ID_SIZE);
const queryWords = new Uint32Array(queryBytes.buffer);

function compareRaw(a: Item, b: Item): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  const x = a.id;
  const y = b.id;
  for (let j = 0; j < ID_SIZE; j++) {
    const d = x[j]! - y[j]!;
    if (d !== 0) return d;
  }
  return 0;
}
