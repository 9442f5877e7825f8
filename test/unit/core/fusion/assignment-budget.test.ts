/**
 * The scan's budget of solver steps (associate.ts, docs/fusion.md "What a peer's tracks can cost"):
 * many clusters each at the largest optimal side must not each get the cubic solver.
 */
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

/** `clusters` clusters 2 km apart, each `side` EO and `side` radar tracks within 20 m: every EO gated with every radar of its cluster. */
function hostile(clusters: number, side: number): SourceTrack[] {
  const out: SourceTrack[] = [];
  for (let c = 0; c < clusters; c++) {
    const cx = (c % 10) * 2_000;
    const cy = Math.floor(c / 10) * 2_000;
    for (let k = 0; k < side; k++) {
      for (const sensorId of ['eo', 'radar']) {
        const p = offset(BASE, cx + (k % 12) * 1.7, cy + Math.floor(k / 12) * 1.9 + (sensorId === 'eo' ? 0 : 0.5));
        const id = `${sensorId}.c${String(c).padStart(3, '0')}.${String(k).padStart(3, '0')}` as EntityId;
        out.push({ id, sensorId, time: T0, position: { lat: p.lat, lon: p.lon, accuracy: 40 } });
      }
    }
  }
  return out;
}

describe('the per-scan budget of optimal assignment', () => {
  it('83 clusters of 120 × 120 gated tracks: the solver steps stay within the budget, every track still fused, the same from any order', () => {
    const tracks = hostile(83, 120);
    const config = { confirmHits: 1, confirmWindow: 1 };
    const a = new FusionEngine(config);
    for (const t of tracks) a.upsert(t);
    a.scan(T0);
    const stats = a.stats();
    const budget = a.config.maxAssignmentWork;
    expect(budget).toBeLessThanOrEqual(2 * 120 ** 3);
    // Without the budget: 83 × 120³ ≈ 143 M steps.
    expect(stats.assignmentWork).toBeGreaterThan(0);
    expect(stats.assignmentWork).toBeLessThanOrEqual(budget);
    expect(stats.greedyClusters).toBeGreaterThan(0);
    expect(stats.sources).toBe(tracks.length);
    const b = new FusionEngine(config);
    for (const t of [...tracks].reverse()) b.upsert(t);
    b.scan(T0);
    expect(b.fused()).toEqual(a.fused());
  });
});
