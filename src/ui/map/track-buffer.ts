/**
 * What the GPU layer draws of every track, held in typed arrays (one slot per track, kept dense by
 * moving the last slot into a removed one): the projected position, the sprite cell, the opacity,
 * the draw order and the ring flags. A moved track writes its slot; nothing per track is an object,
 * and nothing fires an event. Each frame `fill` turns the slots into the instance data one WebGL
 * draw call reads (pixel positions for this frame's view), in one pass over the arrays: the frame
 * costs a loop over numbers and one buffer upload, whatever changed. Pure arithmetic, unit-tested
 * without WebGL (track-sprites.ts draws it).
 */

/** Floats per drawn instance: pixel x, y (CSS px), sprite cell x, y (CSS px), opacity, kind. */
export const INSTANCE_FLOATS = 6;

/** What an instance is: the symbol's sprite cell, or one of the rings drawn under symbols (the pulse is a HIGH threat's moving ring). */
export const KIND = { symbol: 0, highRing: 1, selectedRing: 2, pulse: 3 } as const;

/** Ring flags of a slot. */
export const RING = { high: 1, selected: 2 } as const;

/** Draw-order classes (track-style.ts' zOf: threat rank × 2, +1 when fresh): higher draws later, on top. */
export const Z_CLASSES = 8;

/** A 2D affine transform as OpenLayers keeps it: [a, b, c, d, e, f], x' = a·x + c·y + e, y' = b·x + d·y + f. */
export type Affine = readonly number[];

export class TrackBuffer {
  private capacity = 0;
  private count = 0;
  private readonly slots = new Map<string, number>();
  private ids: string[] = [];
  private xy = new Float64Array(0);
  private cell = new Float32Array(0);
  private alpha = new Float32Array(0);
  private z = new Uint8Array(0);
  private rings = new Uint8Array(0);
  private out = new Float32Array(0);
  /** Bumped by every change: the layer redraws when it moved (a pan redraws anyway). */
  revision = 0;
  /** How many pulse rings the last `fill` gave. */
  pulses = 0;

  get size(): number {
    return this.count;
  }

  /** Sets a track's slot (adding it when new): map coordinates, sprite cell, opacity, draw order, ring flags. */
  put(id: string, x: number, y: number, cellX: number, cellY: number, alpha: number, z: number, rings: number): void {
    let i = this.slots.get(id);
    if (i === undefined) {
      if (this.count === this.capacity) this.grow();
      i = this.count++;
      this.slots.set(id, i);
      this.ids[i] = id;
    }
    this.xy[2 * i] = x;
    this.xy[2 * i + 1] = y;
    this.cell[2 * i] = cellX;
    this.cell[2 * i + 1] = cellY;
    this.alpha[i] = alpha;
    this.z[i] = z;
    this.rings[i] = rings;
    this.revision++;
  }

  /** Changes a track's opacity and draw order (it went stale, or fresh again). */
  setFade(id: string, alpha: number, z: number): void {
    const i = this.slots.get(id);
    if (i === undefined) return;
    this.alpha[i] = alpha;
    this.z[i] = z;
    this.revision++;
  }

  /** Sets or clears one ring flag of a track. */
  setRing(id: string, ring: number, on: boolean): void {
    const i = this.slots.get(id);
    if (i === undefined) return;
    this.rings[i] = on ? this.rings[i]! | ring : this.rings[i]! & ~ring;
    this.revision++;
  }

  remove(id: string): void {
    const i = this.slots.get(id);
    if (i === undefined) return;
    this.slots.delete(id);
    const last = --this.count;
    if (i !== last) {
      const moved = this.ids[last]!;
      this.ids[i] = moved;
      this.slots.set(moved, i);
      this.xy[2 * i] = this.xy[2 * last]!;
      this.xy[2 * i + 1] = this.xy[2 * last + 1]!;
      this.cell[2 * i] = this.cell[2 * last]!;
      this.cell[2 * i + 1] = this.cell[2 * last + 1]!;
      this.alpha[i] = this.alpha[last]!;
      this.z[i] = this.z[last]!;
      this.rings[i] = this.rings[last]!;
    }
    this.ids.length = last;
    this.revision++;
  }

  /**
   * This frame's instances: every ring first (under every symbol), then the symbols by draw order,
   * each at its pixel position through `toPixel` (map coordinates → CSS pixels). Tracks farther than
   * `margin` pixels outside the `width` × `height` view are left out. The first `pulses` fresh HIGH
   * threats in view also get a pulse ring, kept apart (`pulseData`: its own canvas, redrawn at
   * each step of the pulse without the rest). Returns the instance data (INSTANCE_FLOATS per
   * instance; a view into a buffer reused from frame to frame).
   */
  fill(toPixel: Affine, width: number, height: number, margin: number, pulses = 0): Float32Array {
    const [a, b, c, d, e, f] = toPixel as [number, number, number, number, number, number];
    const n = this.count;
    // First pass: where each instance goes. Pixel positions are kept in `px` for the second pass.
    const px = this.pixels(n);
    const starts = new Uint32Array(Z_CLASSES + 1);
    let rings = 0;
    let freshHigh = 0;
    for (let i = 0; i < n; i++) {
      const x = this.xy[2 * i]!;
      const y = this.xy[2 * i + 1]!;
      const sx = a * x + c * y + e;
      const sy = b * x + d * y + f;
      px[2 * i] = sx;
      px[2 * i + 1] = sy;
      if (sx < -margin || sy < -margin || sx > width + margin || sy > height + margin) {
        px[2 * i] = Number.NaN;
        continue;
      }
      const k = this.z[i]! + 1;
      starts[k] = starts[k]! + 1;
      const r = this.rings[i]!;
      if (r !== 0) rings += (r & RING.high) + ((r & RING.selected) >> 1);
      if ((r & RING.high) !== 0 && (k & 1) === 0) freshHigh++; // k is z + 1: fresh z are odd
    }
    let pulsesLeft = Math.min(pulses, freshHigh);
    this.pulses = pulsesLeft;
    if (this.pulseOut.length < pulsesLeft * INSTANCE_FLOATS)
      this.pulseOut = new Float32Array(pulsesLeft * INSTANCE_FLOATS);
    const pulseOut = this.pulseOut;
    starts[0] = rings;
    for (let k = 1; k <= Z_CLASSES; k++) starts[k] = starts[k]! + starts[k - 1]!;
    const total = starts[Z_CLASSES]!;
    if (this.out.length < total * INSTANCE_FLOATS)
      this.out = new Float32Array(Math.ceil(total * 1.5) * INSTANCE_FLOATS);
    const out = this.out;
    let ring = 0;
    for (let i = 0; i < n; i++) {
      const sx = px[2 * i]!;
      if (Number.isNaN(sx)) continue;
      const sy = px[2 * i + 1]!;
      const k = this.z[i]!;
      let o = starts[k]! * INSTANCE_FLOATS;
      starts[k] = starts[k]! + 1;
      out[o] = sx;
      out[o + 1] = sy;
      out[o + 2] = this.cell[2 * i]!;
      out[o + 3] = this.cell[2 * i + 1]!;
      out[o + 4] = this.alpha[i]!;
      out[o + 5] = KIND.symbol;
      const r = this.rings[i]!;
      if (r === 0) continue;
      for (const [flag, kind] of RING_KINDS) {
        if ((r & flag) === 0) continue;
        o = ring++ * INSTANCE_FLOATS;
        out[o] = sx;
        out[o + 1] = sy;
        out[o + 2] = 0;
        out[o + 3] = 0;
        out[o + 4] = 1;
        out[o + 5] = kind;
        if (kind !== KIND.highRing || pulsesLeft === 0 || (k & 1) === 0) continue;
        o = (this.pulses - pulsesLeft--) * INSTANCE_FLOATS;
        pulseOut[o] = sx;
        pulseOut[o + 1] = sy;
        pulseOut[o + 2] = 0;
        pulseOut[o + 3] = 0;
        pulseOut[o + 4] = 1;
        pulseOut[o + 5] = KIND.pulse;
      }
    }
    return out.subarray(0, total * INSTANCE_FLOATS);
  }

  /** The pulse rings of the last `fill`. */
  pulseData(): Float32Array {
    return this.pulseOut.subarray(0, this.pulses * INSTANCE_FLOATS);
  }

  private scratch = new Float64Array(0);
  private pulseOut = new Float32Array(0);

  private pixels(n: number): Float64Array {
    if (this.scratch.length < 2 * n) this.scratch = new Float64Array(2 * this.capacity);
    return this.scratch;
  }

  private grow(): void {
    const capacity = Math.max(64, this.capacity * 2);
    const xy = new Float64Array(2 * capacity);
    xy.set(this.xy);
    const cell = new Float32Array(2 * capacity);
    cell.set(this.cell);
    const alpha = new Float32Array(capacity);
    alpha.set(this.alpha);
    const z = new Uint8Array(capacity);
    z.set(this.z);
    const rings = new Uint8Array(capacity);
    rings.set(this.rings);
    this.capacity = capacity;
    this.xy = xy;
    this.cell = cell;
    this.alpha = alpha;
    this.z = z;
    this.rings = rings;
  }
}

const RING_KINDS: readonly (readonly [number, number])[] = [
  [RING.high, KIND.highRing],
  [RING.selected, KIND.selectedRing],
];
