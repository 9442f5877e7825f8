import KDBush from 'kdbush';
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../../src/core/fusion/engine';
import { IdBuffer, rangeInto } from '../../../../src/core/fusion/kd-range';
import { GatedPairs, KDBUSH_SHAPE_KEEPER, PairBuffer } from '../../../../src/core/fusion/spatial-gate';
import type { SourceTrack } from '../../../../src/core/fusion/types';
import { UnionFind } from '../../../../src/core/fusion/union-find';
import type { EntityId } from '../../../../src/core/ids';
import { offset } from '../../../../src/core/sim/geo';
import { haveSameMap, optimizedAfterFullGc } from '../../support/v8-natives';

/**
 * A scan makes a UnionFind, a GatedPairs and a kd-tree (KDBush) per speed class, and drops them
 * when it returns: at a full GC between two scans none was alive, V8 dropped their hidden classes
 * and deoptimized the scan code built on them (the reason "weak objects"), so every major GC of the
 * worker sent the scan back to the interpreter (docs/benchmarks.md, scenario 9, "Fusion after a
 * full GC"). Each keeps one instance for its lifetime. The engine itself outlives the collections
 * here, as the worker's does.
 */
const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;
const SIDE = 12;

/** Both sensors' reports of a 12 × 12 grid of objects 1 km apart, every third with a radar decoy 40 m off. */
function reports(time: number): SourceTrack[] {
  const out: SourceTrack[] = [];
  for (let k = 0; k < SIDE * SIDE; k++) {
    const east = (k % SIDE) * 1000 + (time % 7);
    const north = Math.floor(k / SIDE) * 1000;
    const e = offset(BASE, east, north);
    const r = offset(BASE, east + 12, north - 9);
    out.push(
      {
        id: `eo.${k}` as EntityId,
        sensorId: 'eo',
        sensorType: 'eo',
        time,
        position: { lat: e.lat, lon: e.lon, accuracy: 5 },
      },
      {
        id: `radar.${k}` as EntityId,
        sensorId: 'radar',
        sensorType: 'radar',
        time,
        position: { lat: r.lat, lon: r.lon, covariance: [900, 0, 900] },
      },
    );
    if (k % 3 === 0) {
      const d = offset(BASE, east - 40, north + 25);
      out.push({
        id: `decoy.${k}` as EntityId,
        sensorId: 'decoy',
        sensorType: 'radar',
        time,
        position: { lat: d.lat, lon: d.lon, covariance: [900, 0, 900] },
      });
    }
  }
  return out;
}

/** A kd-tree as gatePairs builds one (nodeSize 16, finished), over n points. */
function kdTree(n: number): KDBush {
  const index = new KDBush(n, 16);
  for (let i = 0; i < n; i++) index.add(4 + (i % 97) * 1e-3, 52 + Math.floor(i / 97) * 1e-3);
  return index.finish();
}

describe('fusion shape keepers: the scan stays optimized across a full GC with no scan alive', () => {
  // UnionFind has no test of its own: its methods alone kept their code through the GC in a loop
  // like the ones below, but the scan that makes one did not (it fails without UnionFind.shapeKeeper).
  it('FusionEngine.scan, the engine kept as the worker keeps it', () => {
    const engine = new FusionEngine();
    let t = T0;
    const run = (): void => {
      for (let s = 0; s < 10; s++) {
        t += 1000;
        for (const r of reports(t)) engine.upsert(r);
        engine.scan(t);
      }
    };
    run();
    expect(engine.fused().length).toBeGreaterThan((SIDE * SIDE) / 2);
    expect(optimizedAfterFullGc(FusionEngine.prototype.scan, run)).toBe(true);
  });

  it('GatedPairs.d2Of (GatedPairs)', () => {
    const run = (): void => {
      for (let r = 0; r < 50; r++) {
        const b = new PairBuffer();
        for (let i = 0; i < 199; i++) b.pushSeparated(i, i + 1);
        const g = b.done(200);
        for (let i = 0; i < 199; i++) g.d2Of(i, i + 1);
      }
    };
    expect(optimizedAfterFullGc(GatedPairs.prototype.d2Of, run)).toBe(true);
  });

  it("rangeInto (kdbush's KDBush)", () => {
    const box = new Float64Array([4.01, 52.0, 4.03, 52.01]);
    const out = new IdBuffer();
    const run = (): void => {
      for (let r = 0; r < 50; r++) {
        const index = kdTree(500);
        for (let q = 0; q < 20; q++) {
          out.length = 0;
          rangeInto(index, box, out);
        }
      }
    };
    expect(optimizedAfterFullGc(rangeInto, run)).toBe(true);
  });

  it('each keeper has the hidden class of an instance a scan has used', () => {
    const u = new UnionFind(10);
    u.union(1, 2);
    u.find(2);
    expect(haveSameMap(UnionFind.shapeKeeper, u)).toBe(true);
    const b = new PairBuffer();
    for (let i = 0; i < 2000; i++) b.pushSeparated(i, i + 1);
    const g = b.done(2001);
    g.d2Of(0, 1);
    g.lnDetOf(0, 1);
    expect(haveSameMap(GatedPairs.shapeKeeper, g)).toBe(true);
    // Fewer than 65,536 points index with 16-bit ids, more with 32-bit ones: one hidden class.
    for (const n of [10, 70_000]) {
      const index = kdTree(n);
      rangeInto(index, new Float64Array([4, 52, 4.05, 52.05]), new IdBuffer());
      expect(haveSameMap(KDBUSH_SHAPE_KEEPER, index)).toBe(true);
    }
  });
});
