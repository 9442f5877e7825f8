/**
 * What the GPU layer draws of every track, kept in GPU-shaped slots between frames: one slot pool
 * (slot-pool.ts) per draw-order class holding each track's symbol instance (its position in map
 * units, relative to a fixed origin so that 32-bit floats keep it to the centimetre, its sprite
 * cell, its opacity), and one pool of ring instances (a HIGH threat's ring, the selection ring)
 * drawn under every symbol. A moved track rewrites its slot and its rings' slots; a track whose
 * order changes (stale, threat) moves to that class's pool. The layer projects in its vertex
 * shader from the view's transform, so a frame uploads only the slots written since the last one
 * and a pan uploads nothing: a frame costs O(changed tracks), not a pass over every track. Nothing
 * per track is an object, and nothing fires an event. Pure arithmetic, unit-tested without WebGL
 * (track-sprites.ts draws it).
 */
import { SlotPool } from './slot-pool';

/**
 * Floats per drawn instance: x, y (map units from `origin`), sprite cell x, y (CSS px), the
 * symbol's half width and height from its centre (CSS px; 0: the whole cell), opacity, kind.
 */
export const INSTANCE_FLOATS = 8;
/** Where an instance's opacity and kind are among its floats. */
export const ALPHA_AT = 6;
export const KIND_AT = 7;

/** What an instance is: the symbol's sprite cell, or one of the rings drawn under symbols (the pulse is a HIGH threat's moving ring). */
export const KIND = { symbol: 0, highRing: 1, selectedRing: 2, pulse: 3 } as const;

/** Ring flags of a track. */
export const RING = { high: 1, selected: 2 } as const;

/** Draw-order classes (track-style.ts' zOf: threat rank × 2, +1 when fresh): higher draws later, on top. */
export const Z_CLASSES = 8;

/** A 2D affine transform as OpenLayers keeps it: [a, b, c, d, e, f], x' = a·x + c·y + e, y' = b·x + d·y + f. */
export type Affine = readonly number[];

/** A track's draw order and ring flags, packed in one number: z << 2 | rings. */
const pack = (z: number, rings: number): number => (z << 2) | rings;
const zOfPacked = (p: number): number => p >> 2;
const ringsOfPacked = (p: number): number => p & 3;
/** Ring pool keys: the track's id and the ring's kind. */
const ringKey = (id: string, kind: number): string => `${id}\u0000${kind.toString()}`;
const RING_KINDS: readonly (readonly [number, number])[] = [
  [RING.high, KIND.highRing],
  [RING.selected, KIND.selectedRing],
];

export class TrackBuffer {
  /** Rings (under everything), then the symbols of each draw-order class, lowest first: the draw order. */
  readonly pools: readonly SlotPool[];
  private readonly rings = new SlotPool(INSTANCE_FLOATS);
  private readonly symbols: readonly SlotPool[];
  private readonly state = new Map<string, number>();
  private originSet = false;
  /** The map-unit point instance positions are relative to (set by the first track; fixed after). */
  readonly origin: [number, number] = [0, 0];
  /** Bumped by every change: the layer redraws when it moved (a pan redraws anyway). */
  revision = 0;
  private pulseOut = new Float32Array(0);

  constructor() {
    this.symbols = Array.from({ length: Z_CLASSES }, () => new SlotPool(INSTANCE_FLOATS));
    this.pools = [this.rings, ...this.symbols];
  }

  get size(): number {
    return this.state.size;
  }

  /**
   * Sets a track's slot (adding it when new): map coordinates, sprite cell, opacity, draw order,
   * ring flags, and the symbol's half width and height in its cell (0: the whole cell).
   */
  put(
    id: string,
    x: number,
    y: number,
    cellX: number,
    cellY: number,
    alpha: number,
    z: number,
    rings: number,
    halfWidth = 0,
    halfHeight = 0,
  ): void {
    if (!this.originSet) {
      this.origin[0] = Math.round(x);
      this.origin[1] = Math.round(y);
      this.originSet = true;
    }
    const was = this.state.get(id);
    if (was !== undefined && zOfPacked(was) !== z) this.symbols[zOfPacked(was)]!.remove(id);
    this.state.set(id, pack(z, rings));
    const pool = this.symbols[z]!;
    const o = pool.write(id);
    const d = pool.data;
    const rx = x - this.origin[0];
    const ry = y - this.origin[1];
    d[o] = rx;
    d[o + 1] = ry;
    d[o + 2] = cellX;
    d[o + 3] = cellY;
    d[o + 4] = halfWidth;
    d[o + 5] = halfHeight;
    d[o + ALPHA_AT] = alpha;
    d[o + KIND_AT] = KIND.symbol;
    this.writeRings(id, rx, ry, z, rings, was === undefined ? 0 : ringsOfPacked(was));
    this.revision++;
  }

  /** Changes a track's opacity and draw order (it went stale, or fresh again). */
  setFade(id: string, alpha: number, z: number): void {
    const was = this.state.get(id);
    if (was === undefined) return;
    const from = this.symbols[zOfPacked(was)]!;
    const to = this.symbols[z]!;
    let o = from.write(id);
    const slot = from.data.slice(o, o + INSTANCE_FLOATS);
    if (from !== to) {
      from.remove(id);
      o = to.write(id);
    }
    slot[ALPHA_AT] = alpha;
    to.data.set(slot, o);
    this.state.set(id, pack(z, ringsOfPacked(was)));
    this.writeRings(id, slot[0]!, slot[1]!, z, ringsOfPacked(was), ringsOfPacked(was));
    this.revision++;
  }

  /** Sets or clears one ring flag of a track. */
  setRing(id: string, ring: number, on: boolean): void {
    const was = this.state.get(id);
    if (was === undefined) return;
    const rings = on ? ringsOfPacked(was) | ring : ringsOfPacked(was) & ~ring;
    const z = zOfPacked(was);
    this.state.set(id, pack(z, rings));
    const pool = this.symbols[z]!;
    const o = pool.write(id);
    this.writeRings(id, pool.data[o]!, pool.data[o + 1]!, z, rings, ringsOfPacked(was));
    this.revision++;
  }

  remove(id: string): void {
    const was = this.state.get(id);
    if (was === undefined) return;
    this.state.delete(id);
    this.symbols[zOfPacked(was)]!.remove(id);
    if (ringsOfPacked(was) !== 0) for (const [, kind] of RING_KINDS) this.rings.remove(ringKey(id, kind));
    this.revision++;
  }

  /**
   * The pulse rings: the first `max` fresh HIGH threats within `margin` pixels of the
   * `width` × `height` view (`toPixel`: map units → CSS pixels), as instances (INSTANCE_FLOATS
   * each, positions from `origin`; a view into a buffer reused from call to call). A scan of the
   * ring pool (the HIGH and selected tracks), not of every track.
   */
  pulseData(toPixel: Affine, width: number, height: number, margin: number, max: number): Float32Array {
    const [a, b, c, d, e, f] = toPixel as [number, number, number, number, number, number];
    const [ox, oy] = this.origin;
    if (this.pulseOut.length < max * INSTANCE_FLOATS) this.pulseOut = new Float32Array(max * INSTANCE_FLOATS);
    const out = this.pulseOut;
    const data = this.rings.data;
    let n = 0;
    for (let i = 0; i < this.rings.size && n < max; i++) {
      const o = i * INSTANCE_FLOATS;
      // A HIGH ring whose track is fresh (cell x carries the freshness: rings have no sprite cell).
      if (data[o + KIND_AT] !== KIND.highRing || data[o + 2] !== 1) continue;
      const x = data[o]! + ox;
      const y = data[o + 1]! + oy;
      const sx = a * x + c * y + e;
      const sy = b * x + d * y + f;
      if (sx < -margin || sy < -margin || sx > width + margin || sy > height + margin) continue;
      const p = n++ * INSTANCE_FLOATS;
      out[p] = data[o]!;
      out[p + 1] = data[o + 1]!;
      out.fill(0, p + 2, p + ALPHA_AT);
      out[p + ALPHA_AT] = 1;
      out[p + KIND_AT] = KIND.pulse;
    }
    return out.subarray(0, n * INSTANCE_FLOATS);
  }

  /** Writes a track's ring instances at its position, and removes those it had (`before`) and no longer has. */
  private writeRings(id: string, rx: number, ry: number, z: number, rings: number, before: number): void {
    if ((rings | before) === 0) return;
    for (const [flag, kind] of RING_KINDS) {
      if (((rings | before) & flag) === 0) continue;
      const key = ringKey(id, kind);
      if ((rings & flag) === 0) {
        this.rings.remove(key);
        continue;
      }
      const o = this.rings.write(key);
      const d = this.rings.data;
      d[o] = rx;
      d[o + 1] = ry;
      d[o + 2] = z & 1; // fresh (track-style.ts' zOf: +1 when fresh), for the pulse
      d.fill(0, o + 3, o + ALPHA_AT);
      d[o + ALPHA_AT] = 1;
      d[o + KIND_AT] = kind;
    }
  }
}
