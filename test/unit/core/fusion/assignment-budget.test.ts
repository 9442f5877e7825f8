/**
 * The scan's budget of solver steps (associate.ts, docs/fusion.md "What a peer's tracks can cost"):
 * many clusters each at the largest optimal side must not each get the cubic solver.
 */
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { CLUSTER_T0, gatedClusters } from '../../support/gated-clusters';

describe('the per-scan budget of optimal assignment', () => {
  it('83 clusters of 120 × 120 gated tracks: the solver steps stay within the budget, every track still fused, the same from any order', () => {
    const tracks = gatedClusters(83, 120);
    const config = { confirmHits: 1, confirmWindow: 1 };
    const a = new FusionEngine(config);
    for (const t of tracks) a.upsert(t);
    a.scan(CLUSTER_T0);
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
    b.scan(CLUSTER_T0);
    expect(b.fused()).toEqual(a.fused());
  });
});
