import KDBush from 'kdbush';
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../src/core/fusion/engine';
import { IdBuffer, rangeInto } from '../../../src/core/fusion/kd-range';
import { GatedPairs, gatePairs, KDBUSH_SHAPE_KEEPER, PairBuffer } from '../../../src/core/fusion/spatial-gate';
import { TrackTable } from '../../../src/core/fusion/track-table';
import type { SourceTrack } from '../../../src/core/fusion/types';
import { UnionFind } from '../../../src/core/fusion/union-find';
import type { EntityId } from '../../../src/core/ids';
import { offset } from '../../../src/core/sim/geo';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { CLOCK_META } from '../../../src/node/node-parts';
import { Batch, WriteBehind } from '../../../src/node/write-behind';
import { sampleVersion } from '../../contract/storage-contract';
import { haveSameMap, optimizedAfterFullGc, optimizedAfterFullGcAsync } from '../support/v8-natives';

/**
 * The short-lived classes of the node's paths keep one instance each for the life of the class, as
 * the codecs do (test/unit/core/bytes/shape-keepers.test.ts; docs/benchmarks.md, scenario 1,
 * "Decoder after a full GC"): with none alive at a full GC, V8 dropped the class's hidden class and
 * deoptimized the code built on it (reason "weak objects"), at every major GC of a running node.
 * Each test optimizes a function of the path, drops everything its run made (what a node keeps
 * for its life, as the fusion engine, is kept), collects twice and asks V8 whether the optimized
 * code is still there.
 */

const BASE = { lat: 52.37, lon: 4.89 };
const T0 = 1_700_000_000_000;

/** Two sensors' reports of the same 40 targets, 20 m apart, at time `t`. */
function reports(t: number): SourceTrack[] {
  const out: SourceTrack[] = [];
  for (let k = 0; k < 40; k++) {
    for (const [sensorId, east] of [
      ['eo', 0],
      ['radar', 20],
    ] as const) {
      const p = offset(BASE, 500 * (k % 8) + east, 500 * Math.floor(k / 8));
      out.push({
        id: `${sensorId}.t${k}` as EntityId,
        sensorId,
        time: t,
        position: { lat: p.lat, lon: p.lon, accuracy: 10 },
      });
    }
  }
  return out;
}

/** Scans of one engine (a node keeps its engine), the reports moving on each time. */
function scanning(): () => void {
  const engine = new FusionEngine();
  let t = T0;
  return () => {
    for (let s = 0; s < 10; s++) {
      t += 1000;
      for (const r of reports(t)) engine.upsert(r);
      engine.scan(t);
    }
  };
}

describe('shape keepers of the node paths: optimized code survives a full GC with no short-lived instance alive', () => {
  it('FusionEngine.scan (UnionFind, GatedPairs, KDBush)', () => {
    expect(optimizedAfterFullGc(FusionEngine.prototype.scan, scanning())).toBe(true);
  });

  it('rangeInto (KDBush)', () => {
    expect(optimizedAfterFullGc(rangeInto, scanning())).toBe(true);
  });

  it('UnionFind.find', () => {
    expect(optimizedAfterFullGc(UnionFind.prototype.find, scanning())).toBe(true);
  });

  it('WriteBehind.enqueue (Batch), its commits landed', async () => {
    const writer = new WriteBehind(new MemoryStorage());
    const versions = Array.from({ length: 1024 }, (_, i) => sampleVersion(i));
    let clock = 0;
    const run = async (): Promise<void> => {
      // Four commits' worth, each with the clock's metadata as persist (node-parts.ts) adds it.
      for (let c = 0; c < 4; c++) {
        void writer.enqueue(versions.slice(256 * c, 256 * (c + 1)), [], { [CLOCK_META]: `t${clock++}` });
      }
      await writer.flushed();
    };
    expect(await optimizedAfterFullGcAsync(WriteBehind.prototype.enqueue, run)).toBe(true);
  });

  // A keeper of another hidden class than the instances' keeps nothing of theirs alive.
  it('each keeper has the hidden class of an instance the path has used', () => {
    // Two sensors' tracks 20 m apart: the scan's gate pairs them.
    const table = TrackTable.fromPrepared(
      reports(T0).map((r) => ({ ...r, ...r.position, alt: undefined, cov: [100, 0, 100], maxVar: 100 })),
      0,
    );
    const gated = gatePairs(table, { chi2: 9, meters: 100, maxTimeDiffMs: 1000 }, Infinity, new PairBuffer());
    expect(gated.count).toBeGreaterThan(0);
    expect(haveSameMap(GatedPairs.shapeKeeper, gated)).toBe(true);
    const clusters = new UnionFind(8);
    clusters.union(1, 2);
    expect(haveSameMap(UnionFind.shapeKeeper, clusters)).toBe(true);
    // As gatePairs builds its indexes, then queried as a scan queries them.
    const index = new KDBush(3, 16);
    for (const [x, y] of [
      [4.89, 52.37],
      [4.9, 52.38],
      [4.91, 52.36],
    ] as const)
      index.add(x, y);
    index.finish();
    rangeInto(index, new Float64Array([4, 52, 5, 53]), new IdBuffer());
    expect(haveSameMap(KDBUSH_SHAPE_KEEPER, index)).toBe(true);
    // A batch that took a write and was asked what it names (a priority write asks).
    const batch = new Batch();
    batch.puts.set('k', sampleVersion(0));
    batch.grew();
    batch.names('track-0');
    expect(haveSameMap(Batch.shapeKeeper, batch)).toBe(true);
  });
});
