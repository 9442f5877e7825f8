import { ID_SIZE } from './item';
import type { ReconcileStorage } from './storage';
import { lanesFromBytes, lanesToBytes } from './sum128';

/**
 * Rateless IBLT coded symbols, after L. Yang, Y. Gilad, M. Alizadeh, "Practical Rateless Set
 * Reconciliation", ACM SIGCOMM 2024 (arXiv:2402.02668).
 *
 * A set is turned into an endless sequence of coded symbols; a receiver that takes the first m
 * symbols of the peer's set and subtracts its own first m recovers the symmetric difference by
 * peeling once m is about 1.35–1.7 × its size, whatever the size of the sets. Each item is mapped to
 * symbol 0 and to later indices with probability ρ(i) = 1 / (1 + i/2) (the paper's α = 0.5), so an
 * item touches about 2·ln(m) of the first m symbols. The sequence is rateless: more symbols can be
 * asked for later and none sent before is wasted, which is what bounds the round trips here.
 *
 * One symbol on the wire (SYMBOL_BYTES): XOR of the ids (16 bytes), XOR of a 32-bit check hash of
 * each id (4 bytes; a symbol holding one item is "pure" when its check matches), and the count mod
 * 256 (1 byte: only ±1 matters for peeling). A wrong peel is possible with 2^-32 odds per test, so
 * the reconciler also checks the decoded difference against the range fingerprint before trusting it.
 *
 * Index mapping, exact in integers so every engine agrees: after index i, with U uniform in
 * [1, 2^20] from the item's own generator, the next index is the largest j with
 * j(j+1)·U ≤ (i+1)(i+2)·2^20, i.e. P(next ≥ j) = (i+1)(i+2) / (j(j+1)) = Π_{i<k<j} (1 - ρ(k)).
 */
export const SYMBOL_BYTES = ID_SIZE + 4 + 1;
/** No symbol index reaches this (keeps the mapping's integer products below 2^53). */
export const MAX_SYMBOL_INDEX = 1 << 15;

const U_SCALE = 1 << 20;

/** Coded symbols [start, start + n) of one side, in lanes. */
export interface Symbols {
  readonly start: number;
  readonly n: number;
  /** XOR of ids, 4 lanes per symbol. */
  readonly ids: Uint32Array;
  readonly checks: Uint32Array;
  /** Item counts mod 256. */
  readonly counts: Uint8Array;
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32-bit check hash of the id in lanes w[off..off+4]. */
export function checkOf(w: Uint32Array, off: number): number {
  return fmix(w[off]! ^ fmix(w[off + 1]! ^ fmix(w[off + 2]! ^ fmix(w[off + 3]! ^ 0x6c617474))));
}

function seedOf(w: Uint32Array, off: number): number {
  return fmix(w[off + 3]! ^ fmix(w[off + 2]! ^ fmix(w[off + 1]! ^ fmix(w[off]! ^ 0x72617465))));
}

/** The largest j > i with j(j+1)·u ≤ (i+1)(i+2)·2^20 (u in [1, 2^20]). */
function nextIndex(i: number, u: number): number {
  const x = (i + 1) * (i + 2) * U_SCALE;
  let j = Math.floor((Math.sqrt(1 + (4 * x) / u) - 1) / 2);
  while ((j + 1) * (j + 2) * u <= x) j++;
  while (j * (j + 1) * u > x) j--;
  return j;
}

/** Calls fn(index) for each symbol index < end the id in lanes w[off..] maps to, in increasing order. */
export function forEachIndex(w: Uint32Array, off: number, end: number, fn: (index: number) => void): void {
  let s = seedOf(w, off);
  let i = 0;
  while (i < end) {
    fn(i);
    s = (s + 0x9e3779b9) | 0;
    const u = (fmix(s) >>> 12) + 1;
    i = nextIndex(i, u);
  }
}

/** Our coded symbols [start, start + n) of the storage's items [lower, upper). */
export function encodeSymbols(
  storage: ReconcileStorage,
  lower: number,
  upper: number,
  start: number,
  n: number,
): Symbols {
  const ids = new Uint32Array(n * 4);
  const checks = new Uint32Array(n);
  const counts = new Uint8Array(n);
  const w = new Uint32Array(4);
  const end = start + n;
  for (let k = lower; k < upper; k++) {
    lanesFromBytes(storage.idAt(k), 0, w, 0);
    const check = checkOf(w, 0);
    forEachIndex(w, 0, end, (index) => {
      if (index < start) return;
      const p = index - start;
      ids[p * 4] ^= w[0]!;
      ids[p * 4 + 1] ^= w[1]!;
      ids[p * 4 + 2] ^= w[2]!;
      ids[p * 4 + 3] ^= w[3]!;
      checks[p] ^= check;
      counts[p] = (counts[p]! + 1) & 0xff;
    });
  }
  return { start, n, ids, checks, counts };
}

/** Writes symbols as SYMBOL_BYTES each into out at off. */
export function writeSymbols(s: Symbols, out: Uint8Array, off: number): void {
  for (let p = 0; p < s.n; p++) {
    const o = off + p * SYMBOL_BYTES;
    lanesToBytes(s.ids, p * 4, out, o);
    const c = s.checks[p]!;
    out[o + 16] = c & 0xff;
    out[o + 17] = (c >>> 8) & 0xff;
    out[o + 18] = (c >>> 16) & 0xff;
    out[o + 19] = c >>> 24;
    out[o + 20] = s.counts[p]!;
  }
}

/** Reads n symbols (SYMBOL_BYTES each) from bytes at off. */
export function readSymbols(bytes: Uint8Array, off: number, start: number, n: number): Symbols {
  const ids = new Uint32Array(n * 4);
  const checks = new Uint32Array(n);
  const counts = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const o = off + p * SYMBOL_BYTES;
    lanesFromBytes(bytes, o, ids, p * 4);
    checks[p] = (bytes[o + 16]! | (bytes[o + 17]! << 8) | (bytes[o + 18]! << 16) | (bytes[o + 19]! << 24)) >>> 0;
    counts[p] = bytes[o + 20]!;
  }
  return { start, n, ids, checks, counts };
}

/** One item peeled out of the difference: `ours` if only we hold it. */
export interface Peeled {
  readonly id: Uint8Array;
  readonly ours: boolean;
}

/**
 * The difference (ours − theirs) of the first `received` coded symbols of one range, peeled as far
 * as it goes. Symbols are appended as they arrive; items already peeled are folded into the new
 * ones, so no symbol is wasted. Memory: 25 bytes per symbol held plus the peeled ids.
 */
export class SymbolDiff {
  /** One kept for the life of the class (one is made a range of coded symbols): see Reconciler.shapeKeeper. */
  static readonly shapeKeeper: SymbolDiff = new SymbolDiff();

  private ids = new Uint32Array(0);
  private checks = new Uint32Array(0);
  private counts = new Uint8Array(0);
  private m = 0;
  private readonly peeled: Peeled[] = [];
  private readonly peeledWords: number[] = [];
  private broken = false;

  /** Symbols received so far (the next start index). */
  get received(): number {
    return this.m;
  }

  /** Items peeled so far. */
  get items(): readonly Peeled[] {
    return this.peeled;
  }

  /** A peel that cannot be right (a repeated item, more items than symbols): not a set difference. */
  get failed(): boolean {
    return this.broken;
  }

  /** Appends their symbols [m, m + n) and ours for the same indices, then peels. */
  append(theirs: Symbols, ours: Symbols): void {
    const m = this.m;
    const n = theirs.n;
    const ids = new Uint32Array((m + n) * 4);
    ids.set(this.ids);
    const checks = new Uint32Array(m + n);
    checks.set(this.checks);
    const counts = new Uint8Array(m + n);
    counts.set(this.counts);
    for (let p = 0; p < n; p++) {
      for (let l = 0; l < 4; l++) ids[(m + p) * 4 + l] = ours.ids[p * 4 + l]! ^ theirs.ids[p * 4 + l]!;
      checks[m + p] = (ours.checks[p]! ^ theirs.checks[p]!) >>> 0;
      counts[m + p] = (ours.counts[p]! - theirs.counts[p]!) & 0xff;
    }
    this.ids = ids;
    this.checks = checks;
    this.counts = counts;
    this.m = m + n;
    // Items already peeled also sit in the new symbols: take them out there.
    const w = new Uint32Array(4);
    for (let k = 0; k < this.peeled.length; k++) {
      for (let l = 0; l < 4; l++) w[l] = this.peeledWords[k * 4 + l]!;
      this.remove(w, this.peeled[k]!.ours, m);
    }
    this.peel(m);
  }

  /** True when every symbol received is empty: the difference is exactly the items peeled. */
  get complete(): boolean {
    if (this.broken || this.m === 0) return false;
    for (let p = 0; p < this.m; p++) {
      if (this.counts[p] !== 0 || this.checks[p] !== 0) return false;
      const q = p * 4;
      if ((this.ids[q]! | this.ids[q + 1]! | this.ids[q + 2]! | this.ids[q + 3]!) !== 0) return false;
    }
    return true;
  }

  private pure(p: number): boolean {
    const c = this.counts[p]!;
    return (c === 1 || c === 0xff) && checkOf(this.ids, p * 4) === this.checks[p];
  }

  private peel(from: number): void {
    const stack: number[] = [];
    for (let p = from; p < this.m; p++) if (this.pure(p)) stack.push(p);
    const w = new Uint32Array(4);
    const seen = new Set<string>();
    for (const e of this.peeled) seen.add(keyOf(e.id));
    while (stack.length > 0 && !this.broken) {
      const p = stack.pop()!;
      if (!this.pure(p)) continue;
      w.set(this.ids.subarray(p * 4, p * 4 + 4));
      const ours = this.counts[p] === 1;
      const id = new Uint8Array(ID_SIZE);
      lanesToBytes(w, 0, id, 0);
      const key = keyOf(id);
      // An item found twice, or more items than symbols: not the difference of two sets.
      if (seen.has(key) || this.peeled.length >= this.m) {
        this.broken = true;
        return;
      }
      seen.add(key);
      this.peeled.push({ id, ours });
      this.peeledWords.push(w[0]!, w[1]!, w[2]!, w[3]!);
      this.remove(w, ours, 0, (q) => {
        if (this.pure(q)) stack.push(q);
      });
    }
  }

  /** Takes an item out of every symbol from index `from` on. */
  private remove(w: Uint32Array, ours: boolean, from: number, touched?: (p: number) => void): void {
    const check = checkOf(w, 0);
    const delta = ours ? 0xff : 1; // ours counted +1 in the difference: subtract it
    forEachIndex(w, 0, this.m, (p) => {
      if (p < from) return;
      const q = p * 4;
      this.ids[q] ^= w[0]!;
      this.ids[q + 1] ^= w[1]!;
      this.ids[q + 2] ^= w[2]!;
      this.ids[q + 3] ^= w[3]!;
      this.checks[p] = (this.checks[p]! ^ check) >>> 0;
      this.counts[p] = (this.counts[p]! + delta) & 0xff;
      touched?.(p);
    });
  }
}

function keyOf(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ID_SIZE; i += 2) s += String.fromCharCode(id[i]! | (id[i + 1]! << 8));
  return s;
}
