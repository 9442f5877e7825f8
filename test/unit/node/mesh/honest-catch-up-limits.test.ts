/**
 * An honest catch-up counts no limit hits: a node back from a partition takes more versions than
 * one link's stuck count tracks (MAX_TRACKED_REFUSALS) from an honest peer, in the simulated mesh
 * (virtual clock, real sessions, signatures and stores). Every id of it is offered once and
 * arrives; none is refused, so the security stats say nothing about it. Before, every id offered
 * past the bound in the catch-up's round counted as `trackedRefusals` (5,904 at 10,000), and the
 * UI showed "limits hit" for a normal sync (docs/security.md, "Per-link limits").
 * Replay with SEED=<seed>; N=<count> for a larger catch-up.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_REFUSALS } from '../../../../src/core/sync/link-refusals';
import type { LimitCounts } from '../../../../src/core/sync';
import { partitionedCatchUp } from '../../support/catch-up';

const seed = Number(process.env.SEED ?? Date.now());
const N = Number(process.env.N ?? 10_000);
console.log(`honest catch-up limits: seed ${seed} (replay with SEED=${seed}), ${N} registers`);

/** The limits hit, without those at zero. */
const hits = (c: LimitCounts): Record<string, number> => Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0));

describe('an honest catch-up past the stuck count’s bound', () => {
  // The writer as the initiator (its rounds offer what the catcher lacks) and as the responder (it
  // pushes what the catcher's rounds find lacking).
  it.each([
    ['a', 'b'],
    ['z', 'b'],
  ])(
    'from %s to %s counts no trackedRefusals on either side',
    async (w, c) => {
      expect(N).toBeGreaterThan(MAX_TRACKED_REFUSALS);
      const { sim, a, b } = await partitionedCatchUp(seed, N, w, c);
      await sim.settle(600_000);
      expect([...b.node.versions()].length).toBe(N);
      expect(await sim.dump(c)).toBe(await sim.dump(w));
      // A few periodic rounds more: the settled link offers nothing, and nothing is counted later.
      await sim.advance(3 * 30_000);
      const writer = a.mesh.securityStats().limitsHit;
      const catcher = b.mesh.securityStats().limitsHit;
      console.log(
        `honest catch-up limits: writer ${JSON.stringify(hits(writer))}, catcher ${JSON.stringify(hits(catcher))}`,
      );
      expect(writer.trackedRefusals).toBe(0);
      expect(catcher.trackedRefusals).toBe(0);
    },
    300_000,
  );
});
