/**
 * A dense array of fixed-size instance slots keyed by id, mirrored in one GPU buffer: a new id
 * takes the next slot, a removed one is filled by the last slot (so the first `size` slots are
 * always the live ones and one draw call reads them), and every slot written since the last
 * `flush` is remembered so that only those reach the GPU. A frame in which ten tracks moved
 * uploads ten slots' bytes, not the whole array. Pure arithmetic, unit-tested without WebGL.
 */

/** Dirty slots at most this many slots apart are uploaded as one range (fewer calls, a few bytes more). */
const MERGE_GAP = 8;

/** How the pool's data reaches the GPU: the whole array after it grew, else written ranges (slot offsets). */
export interface SlotSink {
  /** The buffer must be re-allocated at `data`'s size and filled with it (bufferData). */
  all(data: Float32Array): void;
  /** Slots [from, to) changed: write `data` (those slots' floats) at slot `from` (bufferSubData). */
  range(from: number, data: Float32Array): void;
}

export class SlotPool {
  private capacity = 0;
  private count = 0;
  private readonly slots = new Map<string, number>();
  private ids: string[] = [];
  private values = new Float32Array(0);
  private marked = new Uint8Array(0);
  private dirty: number[] = [];
  /** The array was re-allocated since the last flush: the GPU buffer must be too. */
  private grown = true;

  /** @param floats floats per slot. */
  constructor(readonly floats: number) {}

  /** Live slots: the first `size` slots of the data. */
  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** The id in a live slot (tests and the pulse's scan). */
  idAt(slot: number): string {
    if (slot >= this.count) throw new RangeError(`slot ${slot.toString()} is not live`);
    return this.ids[slot]!;
  }

  /** Writes an id's slot (taking a new one when the id is new) and returns the slot's offset in `data`. */
  write(id: string): number {
    let i = this.slots.get(id);
    if (i === undefined) {
      if (this.count === this.capacity) this.grow();
      i = this.count++;
      this.slots.set(id, i);
      this.ids[i] = id;
    }
    this.mark(i);
    return i * this.floats;
  }

  /** Writes a whole slot from values (tests and rarely-written pools; the hot path writes `data` at `write`'s offset). */
  set(id: string, values: ArrayLike<number>): void {
    const o = this.write(id);
    for (let k = 0; k < this.floats; k++) this.values[o + k] = values[k] ?? 0;
  }

  /** The live and spare slots' floats (write at the offset `write` returned; read the first `size` slots). */
  get data(): Float32Array {
    return this.values;
  }

  /** Removes an id; the last slot moves into its place (one slot rewritten, none left as a hole). */
  remove(id: string): boolean {
    const i = this.slots.get(id);
    if (i === undefined) return false;
    this.slots.delete(id);
    const last = --this.count;
    if (i !== last) {
      const moved = this.ids[last]!;
      this.ids[i] = moved;
      this.slots.set(moved, i);
      const f = this.floats;
      this.values.copyWithin(i * f, last * f, last * f + f);
      this.mark(i);
    }
    this.ids.length = last;
    return true;
  }

  /** Hands the slots written since the last flush to `sink` (all of them after a growth), then forgets them. */
  flush(sink: SlotSink): void {
    const f = this.floats;
    if (this.grown) {
      sink.all(this.values);
      this.grown = false;
    } else if (this.dirty.length > 0) {
      const dirty = this.dirty.sort((a, b) => a - b);
      let from = -1;
      let to = -1;
      for (const i of dirty) {
        // A slot past the end was live when written and removed since: nothing to draw there.
        if (i >= this.count) break;
        if (from >= 0 && i - to <= MERGE_GAP) {
          to = i + 1;
          continue;
        }
        if (from >= 0) sink.range(from, this.values.subarray(from * f, to * f));
        from = i;
        to = i + 1;
      }
      if (from >= 0) sink.range(from, this.values.subarray(from * f, to * f));
    }
    for (const i of this.dirty) this.marked[i] = 0;
    this.dirty.length = 0;
  }

  /** The next flush hands over every slot (a new GPU buffer: a restored context, another surface). */
  resend(): void {
    this.grown = true;
  }

  private mark(i: number): void {
    if (this.marked[i] === 1) return;
    this.marked[i] = 1;
    this.dirty.push(i);
  }

  private grow(): void {
    const capacity = Math.max(64, this.capacity * 2);
    const values = new Float32Array(capacity * this.floats);
    values.set(this.values);
    const marked = new Uint8Array(capacity);
    marked.set(this.marked);
    this.capacity = capacity;
    this.values = values;
    this.marked = marked;
    this.grown = true;
  }
}
