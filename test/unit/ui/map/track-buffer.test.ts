import { describe, expect, it } from 'vitest';
import { INSTANCE_FLOATS, KIND, RING, TrackBuffer } from '../../../../src/ui/map/track-buffer';

/** Map units are pixels here (identity transform): an instance's x, y is where the track was put. */
const IDENTITY = [1, 0, 0, 1, 0, 0];

interface Drawn {
  readonly x: number;
  readonly y: number;
  readonly cellX: number;
  readonly alpha: number;
  readonly kind: number;
}

function drawn(buffer: TrackBuffer, width = 100, height = 100, margin = 10): Drawn[] {
  const data = buffer.fill(IDENTITY, width, height, margin);
  const out: Drawn[] = [];
  for (let o = 0; o < data.length; o += INSTANCE_FLOATS) {
    out.push({ x: data[o]!, y: data[o + 1]!, cellX: data[o + 2]!, alpha: data[o + 4]!, kind: data[o + 5]! });
  }
  return out;
}

describe('the tracks the GPU layer draws', () => {
  it('draws every ring under every symbol, and symbols by draw order (higher threats on top)', () => {
    const b = new TrackBuffer();
    b.put('high', 10, 10, 1, 0, 1, 7, RING.high);
    b.put('low', 20, 20, 2, 0, 1, 3, 0);
    b.put('stale', 30, 30, 3, 0, 0.4, 0, 0);
    b.setRing('low', RING.selected, true);
    const d = drawn(b);
    expect(d.map((i) => i.kind)).toEqual([KIND.highRing, KIND.selectedRing, KIND.symbol, KIND.symbol, KIND.symbol]);
    expect(d.slice(2).map((i) => i.cellX)).toEqual([3, 2, 1]);
    expect(d[2]!.alpha).toBeCloseTo(0.4);
    expect(d[0]).toMatchObject({ x: 10, y: 10, alpha: 1 });
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
    const d = drawn(b);
    expect(d).toHaveLength(98);
    expect(d.every((i) => i.kind === KIND.symbol)).toBe(true);
    // The faded track draws first (lowest order); the moved one where it went.
    expect(d[0]).toMatchObject({ cellX: 4 });
    expect(d[0]!.alpha).toBeCloseTo(0.4);
    expect(d.find((i) => i.cellX === 3)).toMatchObject({ x: 40, y: 40 });
    expect(new Set(d.map((i) => i.cellX))).toEqual(new Set(Array.from({ length: 98 }, (_, i) => i + 1)));
  });

  it('leaves out tracks farther than the margin outside the view, and applies the view transform', () => {
    const b = new TrackBuffer();
    b.put('in', 50, 50, 1, 0, 1, 1, RING.high);
    b.put('edge', 105, -5, 2, 0, 1, 1, 0);
    b.put('out', 150, 50, 3, 0, 1, 1, RING.high);
    expect(drawn(b).map((i) => i.cellX)).toEqual([0, 1, 2]);
    // Scaled by 2 and shifted: map (50, 50) is pixel (110, 90), outside a 100 × 100 view.
    const data = b.fill([2, 0, 0, -2, 10, 190], 100, 100, 0);
    expect(data.length / INSTANCE_FLOATS).toBe(0);
    // Halved: "out" comes in at (75, 25) with its ring, "edge" (52.5, -2.5) is just outside.
    expect(b.fill([0.5, 0, 0, 0.5, 0, 0], 100, 100, 0).length / INSTANCE_FLOATS).toBe(4);
  });
});

describe('the pulse of HIGH threats on the GPU layer', () => {
  it('pulses at most the asked number of fresh HIGH threats in view, none stale, apart from the rest', () => {
    const b = new TrackBuffer();
    b.put('fresh1', 10, 10, 1, 0, 1, 7, RING.high);
    b.put('stale', 20, 20, 2, 0, 0.4, 6, RING.high);
    b.put('fresh2', 30, 30, 3, 0, 1, 7, RING.high);
    b.put('calm', 40, 40, 4, 0, 1, 1, 0);
    const kinds = (data: Float32Array): number[] =>
      Array.from({ length: data.length / INSTANCE_FLOATS }, (_, i) => data[i * INSTANCE_FLOATS + 5]!);
    b.fill(IDENTITY, 100, 100, 10, 0);
    expect(b.pulseData()).toHaveLength(0);
    b.fill(IDENTITY, 100, 100, 10, 1);
    expect(kinds(b.pulseData())).toEqual([KIND.pulse]);
    const rest = kinds(b.fill(IDENTITY, 100, 100, 10, 64));
    expect(b.pulses).toBe(2);
    const pulses = b.pulseData();
    expect(kinds(pulses)).toEqual([KIND.pulse, KIND.pulse]);
    expect([pulses[0], pulses[1], pulses[6], pulses[7]]).toEqual([10, 10, 30, 30]);
    expect(rest).toEqual([
      KIND.highRing,
      KIND.highRing,
      KIND.highRing,
      KIND.symbol,
      KIND.symbol,
      KIND.symbol,
      KIND.symbol,
    ]);
  });
});
