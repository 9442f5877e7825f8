import type { Bound } from './bound';
import { itemAtOrAfter } from './bound';
import { ReconcileError, ReconcileErrorCode } from './errors';
import { type FingerprintKey, fingerprintOf, idMix } from './fingerprint';
import type { Item } from './item';
import { ID_SIZE } from './item';
import type { KeyedPrefix } from './sorted-vector-storage';
import type { ReconcileStorage } from './storage';
import { add128, sub128 } from './sum128';

/** Ids by slot: 16 bytes per slot, and the same bytes as 32-bit words in platform order. */
export interface SlotIds {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
}

/** An item to add to a SlotVectorStorage: its timestamp and the slot its id is at in the ids. */
export interface SlotItem {
  readonly ts: number;
  readonly slot: number;
}

/**
 * An immutable reconciliation set whose items name their ids by slot in ids it shares (the sync
 * index's id table, IdTable.share(): an id is held once, docs/benchmarks.md, scenario 10): per item,
 * sorted by (timestamp, id), the timestamp (4 B, see tsArr) and the slot (4 B), with the prefix sum
 * of the ids' terms at every BLOCK-th item as SortedVectorStorage keeps it (a range's fingerprint
 * adds at most BLOCK − 1 terms per end, computed from the ids). Per item 10 B where ids of its own
 * took 26. The
 * owner of the ids must not change the bytes of a slot the storage names while it lives (IdTable
 * copies them first). Items, ids and fingerprints are those of a SortedVectorStorage of the same
 * items (test/unit/core/sync/sync-index-model.test.ts).
 *
 * Terms are keyed per session (fingerprint.ts), and one snapshot serves every link's session at
 * once: the prefix sums are kept per key (not one key's at a time as SortedVectorStorage keeps them;
 * its class comment says why the two differ), in a WeakMap on the key object, built lazily on the first
 * sum under that key (16 B per BLOCK items per live session) and let go with the session's key.
 * Snapshots rebuilt one from another share a Lineage, which keeps, per key, the prefix sums of the
 * newest snapshot computed under it, and for the last LINEAGE_RING snapshots the first block each
 * changed: a snapshot's first sum under a key starts from that key's newest sums, up to the first
 * block changed between the two, however many snapshots (other links' rounds) came between. With new
 * versions landing at the end, a link's round then computes the terms of what was added since its
 * last round, not of the whole set.
 */
export class SlotVectorStorage implements ReconcileStorage {
  /**
   * Per item its timestamp, less tsBase: as a 32-bit offset when every timestamp the snapshot holds
   * is an integer within 2^32 − 1 of the least (HLC ms: 49 days; 4 B per item where a float64 took
   * 8, docs/benchmarks.md, scenario 10), else as the timestamp itself (tsBase −0, the one number
   * whose sum with any other is that other, −0 too). Either way tsBase + tsArr[i] is the very number
   * added (narrowed only when it reads back exactly).
   */
  private readonly tsArr: Uint32Array | Float64Array;
  private readonly tsBase: number;
  private readonly slotArr: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  /** Prefix sums per session key. */
  private readonly sums = new WeakMap<FingerprintKey, KeyedPrefix>();
  private n: number;
  /** Lazily built hash index id → position (open addressing on the id's term). */
  private idIndex: Int32Array | null = null;

  private constructor(
    n: number,
    ids: SlotIds,
    /** The chain of snapshots this one belongs to, and its number in it. */
    private readonly lineage: Lineage,
    private readonly gen: number,
    /** The least timestamp, if every timestamp is an integer within 2^32 − 1 of it; else undefined. */
    narrowFrom: number | undefined,
  ) {
    this.n = n;
    this.tsBase = narrowFrom ?? -0;
    this.tsArr = narrowFrom === undefined ? new Float64Array(n) : new Uint32Array(n);
    this.slotArr = new Uint32Array(n);
    this.bytes = ids.bytes;
    this.words = ids.words;
  }

  static empty(): SlotVectorStorage {
    const bytes = new Uint8Array(0);
    return new SlotVectorStorage(0, { bytes, words: new Uint32Array(0) }, new Lineage(), 0, 0);
  }

  /**
   * A new storage over `ids` holding `prev`'s items but those in `drop` (by timestamp and id, looked
   * up in `prev`), and `added` (sorted by timestamp, then id in `ids`; none already among the kept).
   * Every kept item's slot must hold the same id in `ids` as in `prev`'s (its slot was not freed
   * since). One merge pass, into arrays exactly as long as needed; `prev` is not changed. Rebuilt
   * from the newest snapshot of its lineage, the new one joins it; from an older one (a fork, which
   * the sync index never makes), it starts a lineage of its own.
   */
  static rebuilt(
    prev: SlotVectorStorage,
    drop: readonly Item[],
    added: readonly SlotItem[],
    ids: SlotIds,
  ): SlotVectorStorage {
    const n = prev.n;
    const dropped = drop.length > 0 ? new Uint8Array(n) : undefined;
    let gone = 0;
    if (dropped !== undefined) {
      for (const it of drop) {
        const p = prev.search(it.ts, it.id, 0);
        if (p >= 0 && dropped[p] === 0) {
          dropped[p] = 1;
          gone++;
        }
      }
    }
    const fork = prev.gen !== prev.lineage.gen;
    const lineage = fork ? new Lineage() : prev.lineage;
    const out = new SlotVectorStorage(
      n - gone + added.length,
      ids,
      lineage,
      fork ? 0 : lineage.gen + 1,
      narrowBase(prev, dropped, added),
    );
    // Subtracted on the way in: +0 when wide (−0 − 0 is −0; − (−0) would make it +0).
    const base = out.tsArr instanceof Uint32Array ? out.tsBase : 0;
    const prevBase = prev.tsBase;
    const b = ids.bytes;
    let k = 0;
    let j = 0;
    // The first index whose item differs from prev's: prefix sums below it are prev's.
    let same = -1;
    for (let i = 0; i < n; i++) {
      if (dropped !== undefined && dropped[i] === 1) {
        if (same < 0) same = k;
        continue;
      }
      const ts = prevBase + prev.tsArr[i]!;
      const slot = prev.slotArr[i]!;
      for (; j < added.length; j++) {
        const a = added[j]!;
        const c = compareAt(ts, b, slot * ID_SIZE, a.ts, b, a.slot * ID_SIZE);
        if (c < 0) break;
        // (an added item `prev` keeps already is kept once)
        if (c === 0) continue;
        if (same < 0) same = k;
        out.tsArr[k] = a.ts - base;
        out.slotArr[k++] = a.slot;
      }
      out.tsArr[k] = ts - base;
      out.slotArr[k++] = slot;
    }
    if (same < 0) same = k;
    for (; j < added.length; j++) {
      out.tsArr[k] = added[j]!.ts - base;
      out.slotArr[k++] = added[j]!.slot;
    }
    out.n = k;
    if (!fork) {
      lineage.gen = out.gen;
      lineage.changed[out.gen % LINEAGE_RING] = same >>> BLOCK_BITS;
    }
    return out;
  }

  get size(): number {
    return this.n;
  }

  /** Bytes its timestamps take: 4 per item when held as offsets (see tsArr), else 8. */
  get timestampBytes(): number {
    return this.tsArr.byteLength;
  }

  timestampAt(i: number): number {
    this.checkIndex(i);
    return this.tsBase + this.tsArr[i]!;
  }

  idAt(i: number): Uint8Array {
    this.checkIndex(i);
    const off = this.slotArr[i]! * ID_SIZE;
    return this.bytes.subarray(off, off + ID_SIZE);
  }

  itemAt(i: number): Item {
    return { ts: this.timestampAt(i), id: this.idAt(i).slice() };
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
      if (itemAtOrAfter(bound, this.tsBase + this.tsArr[mid]!, this.bytes, this.slotArr[mid]! * ID_SIZE)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  sum(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off = 0): void {
    this.checkRange(begin, end);
    if (begin >>> BLOCK_BITS === end >>> BLOCK_BITS) {
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
    queryBytes.set(id);
    const q0 = queryWords[0];
    const q1 = queryWords[1];
    const q2 = queryWords[2];
    const q3 = queryWords[3];
    const w = this.words;
    const slots = this.slotArr;
    if (end - begin > SCAN_LIMIT) {
      const table = this.idIndex ?? this.buildIdIndex();
      const mask = table.length - 1;
      idMix(id, 0, termScratch, 0);
      for (let h = termScratch[0]! & mask; ; h = (h + 1) & mask) {
        const e = table[h]!;
        if (e === 0) return -1;
        const p = slots[e - 1]! * 4;
        // (the same id at two timestamps is tolerated: keep probing for one inside the range)
        if (w[p] === q0 && w[p + 1] === q1 && w[p + 2] === q2 && w[p + 3] === q3 && e - 1 >= begin && e - 1 < end) {
          return e - 1;
        }
      }
    }
    for (let i = begin; i < end; i++) {
      const p = slots[i]! * 4;
      if (w[p] === q0 && w[p + 1] === q1 && w[p + 2] === q2 && w[p + 3] === q3) return i;
    }
    return -1;
  }

  // ---- internals ----

  /** Index of the item (ts, id) at or after `from`, or -1. */
  private search(ts: number, id: Uint8Array, from: number): number {
    let lo = from;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareAt(this.tsBase + this.tsArr[mid]!, this.bytes, this.slotArr[mid]! * ID_SIZE, ts, id, 0);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private buildIdIndex(): Int32Array {
    let cap = 16;
    while (cap < this.n * 2) cap *= 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    for (let i = 0; i < this.n; i++) {
      // The id's public mix, not its keyed term: a table position, the same for every session.
      idMix(this.bytes, this.slotArr[i]! * ID_SIZE, termScratch, 0);
      let h = termScratch[0]! & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = i + 1;
    }
    this.idIndex = table;
    return table;
  }

  /**
   * The prefix sums under `key`: kept, or new, starting from the checkpoints of the lineage's newest
   * sums under `key` that hold here too (those below the first block changed by any snapshot between
   * the two), if that snapshot is still within the ring. The new sums become the key's newest.
   */
  private sumsFor(key: FingerprintKey): KeyedPrefix {
    let sums = this.sums.get(key);
    if (sums !== undefined) return sums;
    sums = { key, prefix: new Uint32Array(((this.n >>> BLOCK_BITS) + 1) * 4), valid: 0 };
    const lineage = this.lineage;
    const latest = lineage.latest.get(key);
    if (latest !== undefined) {
      const lo = Math.min(latest.gen, this.gen);
      const hi = Math.max(latest.gen, this.gen);
      if (lineage.gen - lo <= LINEAGE_RING) {
        // Items below block `changed[g]` are the same in snapshots g − 1 and g, so below the least
        // of those over lo < g <= hi they are the same in both (16 B per checkpoint to copy).
        let valid = latest.sums.valid;
        for (let g = lo + 1; g <= hi && valid > 0; g++) valid = Math.min(valid, lineage.changed[g % LINEAGE_RING]!);
        sums.prefix.set(latest.sums.prefix.subarray(0, (valid + 1) * 4));
        sums.valid = valid;
      }
    }
    if (latest === undefined || this.gen > latest.gen) lineage.latest.set(key, { gen: this.gen, sums });
    this.sums.set(key, sums);
    return sums;
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
    this.addTerms(key, b * BLOCK, i, out, off);
  }

  /** out[off..off+4] += Σ key.term(id) of items begin..end-1. */
  private addTerms(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off: number): void {
    for (let i = begin; i < end; i++) {
      key.term(this.bytes, this.slotArr[i]! * ID_SIZE, termScratch, 0);
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

/** The widest span of timestamps a snapshot holds as 32-bit offsets from its least (SlotVectorStorage.tsArr). */
const NARROW_SPAN = 0xffff_ffff;

/** Whether `ts` can be held as an offset: an integer (not −0, which would read back as 0) of at most 2^53. */
function narrowable(ts: number): boolean {
  return Number.isSafeInteger(ts) && !Object.is(ts, -0);
}

/**
 * The base a snapshot of `prev`'s items but those `dropped` (by index, if any) and `added` (sorted)
 * holds its timestamps from, if all are narrowable within NARROW_SPAN of the least of them; else
 * undefined. Both lists are sorted by timestamp, so the least and the greatest kept are their first
 * and last. A wide `prev` is scanned.
 */
function narrowBase(
  prev: SlotVectorStorage,
  dropped: Uint8Array | undefined,
  added: readonly SlotItem[],
): number | undefined {
  const n = prev.size;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let first = 0;
  let last = n - 1;
  if (dropped !== undefined) {
    while (first < n && dropped[first] === 1) first++;
    while (last >= first && dropped[last] === 1) last--;
  }
  if (first <= last) {
    if (prev.timestampBytes !== 4 * n) {
      for (let i = first; i <= last; i++) {
        if ((dropped === undefined || dropped[i] === 0) && !narrowable(prev.timestampAt(i))) return undefined;
      }
    }
    lo = prev.timestampAt(first);
    hi = prev.timestampAt(last);
  }
  for (const a of added) if (!narrowable(a.ts)) return undefined;
  if (added.length > 0) {
    lo = Math.min(lo, added[0]!.ts);
    hi = Math.max(hi, added[added.length - 1]!.ts);
  }
  if (lo > hi) return 0;
  return hi - lo <= NARROW_SPAN ? lo : undefined;
}

/** Sign of (ts, x[xo..]) − (ts2, y[yo..]): by timestamp, then id bytes. */
export function compareAt(ts: number, x: Uint8Array, xo: number, ts2: number, y: Uint8Array, yo: number): number {
  if (ts !== ts2) return ts < ts2 ? -1 : 1;
  for (let j = 0; j < ID_SIZE; j++) {
    const d = x[xo + j]! - y[yo + j]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Snapshots whose changes a lineage remembers: a key's newest sums older than that (a link idle
 * through as many rebuilds) are not reused, its next sums are computed afresh.
 */
export const LINEAGE_RING = 1024;

/**
 * A chain of snapshots, each rebuilt from the one before (SlotVectorStorage.rebuilt), numbered from
 * 0: the first block each of the last LINEAGE_RING changed from its predecessor, and per session key
 * the newest snapshot's prefix sums under it (at most one prefix array per live key beyond those
 * its snapshots hold; let go with the key).
 */
class Lineage {
  /** The newest snapshot's number. */
  gen = 0;
  /** changed[g % LINEAGE_RING]: the first block of snapshot g whose items differ from snapshot g − 1's. */
  readonly changed = new Uint32Array(LINEAGE_RING);
  readonly latest = new WeakMap<FingerprintKey, { readonly gen: number; readonly sums: KeyedPrefix }>();
}

/** Ranges up to this many items are scanned; larger ones use the hash index. */
const SCAN_LIMIT = 256;

/** A prefix sum is kept at every BLOCK-th item (BLOCK = 2^BLOCK_BITS), as in SortedVectorStorage. */
const BLOCK_BITS = 3;
const BLOCK = 1 << BLOCK_BITS;

const termScratch = new Uint32Array(4);
const rangeScratch = new Uint32Array(4);
const queryBytes = new Uint8Array(ID_SIZE);
const queryWords = new Uint32Array(queryBytes.buffer);
