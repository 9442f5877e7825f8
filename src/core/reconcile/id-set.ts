import { ID_SIZE } from './item';
import { lanesFromBytes } from './sum128';

/** Hash of all four words, so ids sharing a prefix (untrusted input) do not pile up in one slot. */
function slotOf(w: Uint32Array, off: number): number {
  let h = Math.imul(w[off]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ w[off + 1]! ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ w[off + 2]! ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ w[off + 3]! ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A read-only hash set over a packed list of 16-byte ids (open addressing). `indexOf` returns the position of the FIRST
 * occurrence of an id in the list, so duplicates in untrusted input are recognisable.
 */
export class IdSet {
  private readonly words: Uint32Array;
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(
    packed: Uint8Array,
    readonly count: number,
  ) {
    this.words = new Uint32Array(count * 4);
    for (let i = 0; i < count; i++) lanesFromBytes(packed, i * ID_SIZE, this.words, i * 4);
    let cap = 8;
    while (cap < count * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < count; i++) {
      let slot = slotOf(this.words, i * 4) & this.mask;
      for (;;) {
        const e = this.table[slot]!;
        if (e === 0) {
          this.table[slot] = i + 1;
          break;
        }
        if (this.sameWords(e - 1, this.words, i * 4)) break; // duplicate: keep the first
        slot = (slot + 1) & this.mask;
      }
    }
  }

  /** Position in the list of the first occurrence of the id at bytes[off..off+16], or -1. */
  indexOf(bytes: Uint8Array, off: number): number {
    const probe = IdSet.probe;
    lanesFromBytes(bytes, off, probe, 0);
    let slot = slotOf(probe, 0) & this.mask;
    for (;;) {
      const e = this.table[slot]!;
      if (e === 0) return -1;
      if (this.sameWords(e - 1, probe, 0)) return e - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  private sameWords(i: number, w: Uint32Array, off: number): boolean {
    const a = this.words;
    const p = i * 4;
    return a[p] === w[off] && a[p + 1] === w[off + 1] && a[p + 2] === w[off + 2] && a[p + 3] === w[off + 3];
  }

  private static readonly probe = new Uint32Array(4);
}
