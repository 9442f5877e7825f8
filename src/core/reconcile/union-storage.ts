import type { Bound } from './bound';
import { type FingerprintKey, fingerprintOf } from './fingerprint';
import { SortedVectorStorage } from './sorted-vector-storage';
import type { Item } from './item';
import type { ReconcileStorage } from './storage';
import { add128 } from './sum128';

/**
 * A storage seen as the union of `base` and a few `extra` items it lacks, without copying base: a
 * link's reconciliation counts the versions it set aside from that peer as held (link-hold-back.ts),
 * so the peer does not push them again round after round. Extra items base already has are dropped.
 * Building it costs O(m log n) for m extra items; each read, O(log m) on top of base's. Sums are
 * base's under the session's key plus the extra items' (whose storage is this link's own: one key at
 * a time, the link's session).
 */
export class UnionStorage implements ReconcileStorage {
  private readonly extra: SortedVectorStorage;
  /** Merged index of each extra item (strictly increasing). */
  private readonly at: Int32Array;

  constructor(
    private readonly base: ReconcileStorage,
    items: readonly Item[],
  ) {
    const n = base.size;
    const missing = items.filter((it) => base.indexOfId(0, n, it.id) < 0);
    this.extra = new SortedVectorStorage(missing);
    const m = this.extra.size;
    this.at = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const bound: Bound = { ts: this.extra.timestampAt(j), prefix: this.extra.idAt(j).slice() };
      this.at[j] = base.findLowerBound(bound) + j;
    }
  }

  get size(): number {
    return this.base.size + this.extra.size;
  }

  /** Extra items whose merged index is below `i`. */
  private extraBefore(i: number): number {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  timestampAt(i: number): number {
    const k = this.extraBefore(i);
    return this.at[k] === i ? this.extra.timestampAt(k) : this.base.timestampAt(i - k);
  }

  idAt(i: number): Uint8Array {
    const k = this.extraBefore(i);
    return this.at[k] === i ? this.extra.idAt(k) : this.base.idAt(i - k);
  }

  findLowerBound(bound: Bound, begin = 0, end = this.size): number {
    const lb = this.base.findLowerBound(bound) + this.extra.findLowerBound(bound);
    return Math.min(Math.max(lb, begin), end);
  }

  sum(key: FingerprintKey, begin: number, end: number, out: Uint32Array, off = 0): void {
    const kb = this.extraBefore(begin);
    const ke = this.extraBefore(end);
    const s = new Uint32Array(4);
    this.base.sum(key, begin - kb, end - ke, out, off);
    this.extra.sum(key, kb, ke, s, 0);
    add128(out, off, s, 0, out, off);
  }

  fingerprint(key: FingerprintKey, begin: number, end: number): Uint8Array {
    const s = new Uint32Array(4);
    this.sum(key, begin, end, s, 0);
    return fingerprintOf(s, end - begin);
  }

  indexOfId(begin: number, end: number, id: Uint8Array): number {
    const kb = this.extraBefore(begin);
    const ke = this.extraBefore(end);
    const j = this.extra.indexOfId(kb, ke, id);
    if (j >= 0) return this.at[j]!;
    const b = this.base.indexOfId(begin - kb, end - ke, id);
    if (b < 0) return -1;
    // Extra items sit before the base item at their insertion point: those with at - index <= b.
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! - mid <= b) lo = mid + 1;
      else hi = mid;
    }
    return b + lo;
  }
}
