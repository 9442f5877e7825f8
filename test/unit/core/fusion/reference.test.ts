/**
 * The fast scan (kd-tree gating, union-find clusters, the inlined isolated pair, Hungarian per
 * cluster, typed columns) against a reference simple enough to trust by reading: every pair
 * gated by brute force with `separation`, then every one-to-one matching of the two sensors'
 * tracks enumerated, keeping the one of least total cost Σ (d² + ln det(Pa + Pb) − χ² − 4 ln gateMeters). With two sensors the
 * engine's association is exactly this global nearest neighbour, so after one scan at
 * 1-of-1 confirmation its fused pairs must be a matching of the same least cost (the same
 * matching when the least is unique; generated inputs can tie, e.g. two identical tracks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { pairCost, separation, within } from '../../../../src/core/fusion/gate';
import { maxEigen } from '../../../../src/core/fusion/matrix2';
import type { Prepared } from '../../../../src/core/fusion/prepared';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import { DEFAULT_FUSION_CONFIG } from '../../../../src/core/fusion/types';
import type { EntityId } from '../../../../src/core/ids';
import { offset, wrapLon } from '../../../../src/core/sim/geo';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion reference seed ${seed}; replay with SEED=${seed}`);

const T0 = 1_700_000_000_000;
const C = DEFAULT_FUSION_CONFIG;
const GATE = { chi2: C.gateChi2, meters: C.gateMeters, maxTimeDiffMs: C.maxTimeDiffMs };

type Cost = (i: number, j: number) => number | undefined;

/** The cost of joining a[i] to b[j], undefined when it does not pay off (gate.ts pairCost < 0). */
function costOf(a: readonly Prepared[], b: readonly Prepared[]): Cost {
  return (i, j) => {
    const [p, q] = a[i]!.id < b[j]!.id ? [a[i]!, b[j]!] : [b[j]!, a[i]!];
    const s = separation(p, q, C.unknownSpeedMps);
    return within(s, GATE) && s.d2 < GATE.chi2 ? pairCost(s.d2, s.lnDet, GATE) : undefined;
  };
}

/** The least total cost of a matching of a's tracks to b's (each at most once), by exhaustive search. */
function leastCost(na: number, nb: number, cost: Cost): number {
  let best = 0;
  const used = new Set<number>();
  const search = (i: number, total: number): void => {
    if (i === na) {
      best = Math.min(best, total);
      return;
    }
    search(i + 1, total);
    for (let j = 0; j < nb; j++) {
      const c = cost(i, j);
      if (c === undefined || used.has(j)) continue;
      used.add(j);
      search(i + 1, total + c);
      used.delete(j);
    }
  };
  search(0, 0);
  return best;
}

const spot = fc.record({
  east: fc.double({ min: -150, max: 150, noNaN: true }),
  north: fc.double({ min: -150, max: 150, noNaN: true }),
  sigma: fc.double({ min: 3, max: 60, noNaN: true }),
  stretch: fc.double({ min: 1, max: 4, noNaN: true }),
  lagMs: fc.constantFrom(0, 0, 0, 300, 1_500),
  velocity: fc.option(
    fc.record({
      east: fc.double({ min: -80, max: 80, noNaN: true }),
      north: fc.double({ min: -80, max: 80, noNaN: true }),
    }),
    { nil: undefined },
  ),
});
type Spot = typeof spot extends fc.Arbitrary<infer S> ? S : never;

const centre = fc.oneof(
  fc.constant({ lat: 52.37, lon: 4.89 }),
  fc.constant({ lat: 10, lon: 179.9995 }),
  fc.constant({ lat: 89.9995, lon: 30 }),
);

describe('the fast scan against a brute-force reference', () => {
  it('property: one scan at 1-of-1 fuses exactly the least-cost matching of two sensors', () => {
    fc.assert(
      fc.property(
        centre,
        fc.array(spot, { minLength: 1, maxLength: 6 }),
        fc.array(spot, { minLength: 1, maxLength: 6 }),
        (c, eos, radars) => {
          const now = T0 + 2_000;
          const make = (s: Spot, k: number, sensorId: string): [SourceTrack, Prepared] => {
            const p = offset(c, s.east, s.north);
            const cov: [number, number, number] = [s.sigma ** 2, 0, (s.sigma * s.stretch) ** 2];
            const id = `${sensorId}.${k}` as EntityId;
            const time = now - s.lagMs;
            const lat = Math.max(-90, Math.min(90, p.lat));
            const lon = wrapLon(p.lon);
            const track: SourceTrack = {
              id,
              sensorId,
              time,
              // Stored as [varNorth, covNorthEast, varEast].
              position: { lat, lon, covariance: [cov[2], cov[1], cov[0]] },
              ...(s.velocity ? { velocity: s.velocity } : {}),
            };
            const prepared: Prepared = {
              id,
              sensorId,
              time,
              lat,
              lon,
              alt: undefined,
              cov,
              maxVar: maxEigen(cov),
              ...(s.velocity ? { velocity: s.velocity } : {}),
            };
            return [track, prepared];
          };
          const a = eos.map((s, k) => make(s, k, 'eo'));
          const b = radars.map((s, k) => make(s, k, 'radar'));
          const engine = new FusionEngine({ confirmHits: 1, confirmWindow: 1 });
          for (const [t] of [...a, ...b]) engine.upsert(t);
          engine.scan(now);
          const pa = a.map(([, p]) => p);
          const pb = b.map(([, p]) => p);
          const cost = costOf(pa, pb);
          // The engine's fused pairs: one EO and one radar each, every track at most once, each paying off.
          let total = 0;
          const seen = new Set<string>();
          for (const f of engine.fused()) {
            const [e, r] = f.fusion.sources;
            expect(f.fusion.sources).toHaveLength(2);
            const i = pa.findIndex((p) => p.id === e);
            const j = pb.findIndex((p) => p.id === r);
            expect(i >= 0 && j >= 0 && !seen.has(e!) && !seen.has(r!)).toBe(true);
            seen.add(e!).add(r!);
            const c = cost(i, j);
            expect(c).toBeDefined();
            total += c!;
          }
          const best = leastCost(pa.length, pb.length, cost);
          expect(Math.abs(total - best)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(best)));
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
