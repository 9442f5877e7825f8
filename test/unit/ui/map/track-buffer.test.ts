/**
 * The tracks the GPU layer draws (track-buffer.ts over slot-pool.ts), read back as the GPU sees
 * them: each pool's flushes are applied to a mirror (bufferData / bufferSubData), and a frame is the
 * mirrors' live slots in draw order. A property (fast-check; replay with SEED=<printed seed>)
 * checks the slot bookkeeping against a plain map of tracks over random adds, moves, fades, ring
 * changes, removals and re-adds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotPool, type SlotSink } from '../../../../src/ui/map/slot-pool';
import {
  ALPHA_AT,
  INSTANCE_FLOATS,
  KIND,
  KIND_AT,
  RING,
  TrackBuffer,
  Z_CLASSES,
} from '../../../../src/ui/map/track-buffer';

const seed = Number(process.env.SEED ?? Date.now());

/** Map units are pixels here (identity transform). */
const IDENTITY = [1, 0, 0, 1, 0, 0];

/** What the GPU holds of one pool: what its flushes wrote. */
class Mirror implements SlotSink {
  data = new Float32Array(0);
  writtenFloats = 0;
  all(data: Float32Array): void {
    this.data = data.slice();
    this.writtenFloats += data.length;
  }
  range(from: number, data: Float32Array): void {
    this.data.set(data, from * INSTANCE_FLOATS);
    this.writtenFloats += data.length;
  }
}

interface Drawn {
  readonly x: number;
  readonly y: number;
  readonly cellX: number;
  readonly alpha: number;
  readonly kind: number;
}

/** Flushes every pool into its mirror and reads the frame: instances in draw order, positions in map units. */
function frame(buffer: TrackBuffer, mirrors: Mirror[]): Drawn[] {
  const out: Drawn[] = [];
  buffer.pools.forEach((pool, p) => {
    const m = (mirrors[p] ??= new Mirror());
    pool.flush(m);
    for (let i = 0; i < pool.size; i++) {
      const o = i * INSTANCE_FLOATS;
      const d = m.data;
      out.push({
        x: d[o]! + buffer.origin[0],
        y: d[o + 1]! + buffer.origin[1],
        cellX: d[o + 2]!,
        alpha: d[o + ALPHA_AT]!,
        kind: d[o + KIND_AT]!,
      });
    }
  });
  return out;
}

describe('the tracks the GPU layer draws', () => {
  it('draws every ring under every symbol, and symbols by draw order (higher threats on top)', () => {
    const b = new TrackBuffer();
    b.put('high', 10, 10, 1, 0, 1, 7, RING.high);
    b.put('low', 20, 20, 2, 0, 1, 3, 0);
    b.put('stale', 30, 30, 3, 0, 0.4, 0, 0);
    b.setRing('low', RING.selected, true);
    const d = frame(b, []);
    expect(d.map((i) => i.kind)).toEqual([KIND.highRing, KIND.selectedRing, KIND.symbol, KIND.symbol, KIND.symbol]);
    expect(d.slice(2).map((i) => i.cellX)).toEqual([3, 2, 1]);
    expect(d[2]!.alpha).toBeCloseTo(0.4);
    expect(d[0]).toMatchObject({ x: 10, y: 10, alpha: 1 });
    expect(d[1]).toMatchObject({ x: 20, y: 20 });
  });

  it('moves, fades, unselects and removes tracks in place, keeping the others', () => {
    const b = new TrackBuffer();
    for (let i = 0; i < 100; i++) b.put(`t${i}`, i % 50, 5, i, 0, 1, 1, 0);
    const revision = b.revision;
    b.put('t3', 40, 40, 3, 0, 1, 1, RING.selected);
    b.setRing('t3', RING.selected, false);
    b.setFade('t4', 0.4, 0);
    b.remove('t0');
    b.remove('t99');
    b.remove('nothing');
    expect(b.revision).toBeGreaterThan(revision);
    expect(b.size).toBe(98);
    const d = frame(b, []);
    expect(d).toHaveLength(98);
    expect(d.every((i) => i.kind === KIND.symbol)).toBe(true);
    // The faded track draws first (lowest order); the moved one where it went.
    expect(d[0]).toMatchObject({ cellX: 4 });
    expect(d[0]!.alpha).toBeCloseTo(0.4);
    expect(d.find((i) => i.cellX === 3)).toMatchObject({ x: 40, y: 40 });
    expect(new Set(d.map((i) => i.cellX))).toEqual(new Set(Array.from({ length: 98 }, (_, i) => i + 1)));
  });

  it('uploads only what changed since the last frame: a few moved tracks of thousands write a few slots', () => {
    const b = new TrackBuffer();
    const mirrors: Mirror[] = [];
    for (let i = 0; i < 5000; i++) b.put(`t${i}`, i, i, i, 0, 1, 1, 0);
    frame(b, mirrors);
    for (const m of mirrors) m.writtenFloats = 0;
    b.put('t10', 1, 2, 10, 0, 1, 1, 0);
    b.put('t4000', 3, 4, 4000, 0, 1, 1, 0);
    const d = frame(b, mirrors);
    expect(mirrors.reduce((s, m) => s + m.writtenFloats, 0)).toBe(2 * INSTANCE_FLOATS);
    expect(d.find((i) => i.cellX === 4000)).toMatchObject({ x: 3, y: 4 });
    // Nothing changed: nothing uploaded.
    for (const m of mirrors) m.writtenFloats = 0;
    frame(b, mirrors);
    expect(mirrors.reduce((s, m) => s + m.writtenFloats, 0)).toBe(0);
  });

  it("carries each symbol's half width and height (its quad), rings none", () => {
    const b = new TrackBuffer();
    b.put('a', 1, 1, 5, 0, 1, 1, RING.high, 14, 9);
    frame(b, []);
    const [rings, , symbols] = [b.pools[0]!, b.pools[1]!, b.pools[2]!];
    expect(Array.from(symbols.data.subarray(4, 6))).toEqual([14, 9]);
    expect(Array.from(rings.data.subarray(4, 6))).toEqual([0, 0]);
  });

  it('keeps positions far from the origin to the centimetre (map units are metres, 32-bit floats on the GPU)', () => {
    const b = new TrackBuffer();
    b.put('a', 1_900_000.25, 8_400_000.5, 1, 0, 1, 1, 0);
    b.put('b', 1_950_000.37, 8_450_000.61, 2, 0, 1, 1, 0);
    const d = frame(b, []);
    expect(d[0]!.x).toBeCloseTo(1_900_000.25, 1);
    expect(d[1]!.x).toBeCloseTo(1_950_000.37, 1);
    expect(d[1]!.y).toBeCloseTo(8_450_000.61, 1);
  });
});

describe('the pulse of HIGH threats on the GPU layer', () => {
  const kinds = (data: Float32Array): number[] =>
    Array.from({ length: data.length / INSTANCE_FLOATS }, (_, i) => data[i * INSTANCE_FLOATS + KIND_AT]!);

  it('pulses at most the asked number of fresh HIGH threats in view, none stale', () => {
    const b = new TrackBuffer();
    b.put('fresh1', 10, 10, 1, 0, 1, 7, RING.high);
    b.put('stale', 20, 20, 2, 0, 0.4, 6, RING.high);
    b.put('fresh2', 30, 30, 3, 0, 1, 7, RING.high);
    b.put('calm', 40, 40, 4, 0, 1, 1, 0);
    b.put('far', 400, 40, 5, 0, 1, 7, RING.high);
    expect(b.pulseData(IDENTITY, 100, 100, 10, 0)).toHaveLength(0);
    expect(kinds(b.pulseData(IDENTITY, 100, 100, 10, 1))).toEqual([KIND.pulse]);
    const pulses = b.pulseData(IDENTITY, 100, 100, 10, 64);
    expect(kinds(pulses)).toEqual([KIND.pulse, KIND.pulse]);
    const at = (o: number): number[] => [pulses[o]! + b.origin[0], pulses[o + 1]! + b.origin[1]];
    expect([...at(0), ...at(INSTANCE_FLOATS)]).toEqual([10, 10, 30, 30]);
    // Quartered, the far one comes into view.
    expect(kinds(b.pulseData([0.25, 0, 0, 0.25, 0, 0], 100, 100, 10, 64))).toHaveLength(3);
  });
});

/** One step of the property: what is done to which of a few track ids. */
type Op =
  | { readonly op: 'put'; readonly id: number; readonly x: number; readonly z: number; readonly rings: number }
  | { readonly op: 'fade'; readonly id: number; readonly z: number }
  | { readonly op: 'ring'; readonly id: number; readonly ring: number; readonly on: boolean }
  | { readonly op: 'remove'; readonly id: number }
  | { readonly op: 'frame' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('put' as const),
    id: fc.nat(40),
    x: fc.integer({ min: -1000, max: 1000 }),
    z: fc.nat(Z_CLASSES - 1),
    rings: fc.nat(3),
  }),
  fc.record({ op: fc.constant('fade' as const), id: fc.nat(40), z: fc.nat(Z_CLASSES - 1) }),
  fc.record({
    op: fc.constant('ring' as const),
    id: fc.nat(40),
    ring: fc.constantFrom(RING.high, RING.selected),
    on: fc.boolean(),
  }),
  fc.record({ op: fc.constant('remove' as const), id: fc.nat(40) }),
  fc.constant({ op: 'frame' as const }),
);

interface ModelTrack {
  x: number;
  z: number;
  rings: number;
  alpha: number;
}

/** What a frame must show of the model: rings first, then symbols by class (order within a class is free). */
function expected(model: Map<string, ModelTrack>): string[][] {
  const rings: string[] = [];
  const classes: string[][] = Array.from({ length: Z_CLASSES }, () => []);
  for (const [id, t] of model) {
    if ((t.rings & RING.high) !== 0) rings.push(`${id} high ${t.x} ${t.z & 1}`);
    if ((t.rings & RING.selected) !== 0) rings.push(`${id} selected ${t.x}`);
    classes[t.z]!.push(`${id} ${t.x} ${t.alpha}`);
  }
  return [rings.sort(), ...classes.map((c) => c.sort())];
}

/** What the mirrors show, in the same words (ids from the cell x a track's symbol carries). */
function shown(b: TrackBuffer, mirrors: Mirror[]): string[][] {
  return b.pools.map((pool, p) => {
    const m = (mirrors[p] ??= new Mirror());
    pool.flush(m);
    const words: string[] = [];
    for (let i = 0; i < pool.size; i++) {
      const o = i * INSTANCE_FLOATS;
      const d = m.data;
      const x = d[o]! + b.origin[0];
      if (p === 0) {
        const id = pool.idAt(i).split('\u0000')[0]!;
        words.push(d[o + KIND_AT] === KIND.highRing ? `${id} high ${x} ${d[o + 2]!}` : `${id} selected ${x}`);
      } else {
        words.push(`t${d[o + 2]!} ${x} ${d[o + ALPHA_AT]!}`);
      }
    }
    return words.sort();
  });
}

describe('slot bookkeeping against a plain model', () => {
  it('after any sequence of adds, moves, fades, ring changes, removals and re-adds, the GPU mirrors show the model', () => {
    console.log(`track buffer seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 300, size: 'max' }), (ops) => {
        const b = new TrackBuffer();
        const mirrors: Mirror[] = [];
        const model = new Map<string, ModelTrack>();
        for (const o of ops) {
          const id = o.op === 'frame' ? '' : `t${o.id}`;
          const t = model.get(id);
          switch (o.op) {
            case 'put':
              b.put(id, o.x, 7, o.id, 0, 1, o.z, o.rings);
              model.set(id, { x: o.x, z: o.z, rings: o.rings, alpha: 1 });
              break;
            case 'fade':
              b.setFade(id, 0.5, o.z);
              if (t !== undefined) Object.assign(t, { z: o.z, alpha: 0.5 });
              break;
            case 'ring':
              b.setRing(id, o.ring, o.on);
              if (t !== undefined) t.rings = o.on ? t.rings | o.ring : t.rings & ~o.ring;
              break;
            case 'remove':
              b.remove(id);
              model.delete(id);
              break;
            case 'frame':
              expect(shown(b, mirrors)).toEqual(expected(model));
              break;
            default:
              throw new Error(`unknown op ${(o as Op).op}`);
          }
          expect(b.size).toBe(model.size);
        }
        expect(shown(b, mirrors)).toEqual(expected(model));
      }),
      { seed, numRuns: 300 },
    );
  });

  it('keeps a pool dense: removing moves the last slot into the hole, a re-added id takes the next slot', () => {
    const p = new SlotPool(2);
    p.set('a', [1, 1]);
    p.set('b', [2, 2]);
    p.set('c', [3, 3]);
    p.remove('a');
    expect([p.idAt(0), p.idAt(1)]).toEqual(['c', 'b']);
    expect(Array.from(p.data.subarray(0, 4))).toEqual([3, 3, 2, 2]);
    p.set('a', [4, 4]);
    expect(p.idAt(2)).toBe('a');
    expect(p.size).toBe(3);
    expect(() => p.idAt(3)).toThrow(RangeError);
  });
});
