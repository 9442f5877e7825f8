/**
 * Attacks on fusion by a peer's tracks (any writer's track is fused, docs/fusion.md). Fused ids are
 * a public function of the source ids (fusedId), so a peer can write an entity under the id a
 * fusion of our tracks will take.
 */
import { describe, expect, it } from 'vitest';
import { FusionEngine } from '../../../src/core/fusion/engine';
import { fusedId } from '../../../src/core/fusion/fused-id';
import { gatePairs } from '../../../src/core/fusion/spatial-gate';
import { TrackTable } from '../../../src/core/fusion/track-table';
import { DEFAULT_FUSION_CONFIG, type SourceTrack } from '../../../src/core/fusion/types';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { offset } from '../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../src/node/c2-pipeline';
import { ManualClock, openNode } from '../node/c2/manual-node';

const PEER = 'mallory' as NodeId;

describe('attack: a peer entity under a fused id', () => {
  it('cannot sit under the id a fusion of our tracks takes, to hide it or be hidden by it', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const here = offset(DEFENDED_POINT, 2_000, 30_000);
    const squatter = fusedId(['a', 'b']);
    // The peer's write under that id reaches us (as any replicated version does).
    const v: Version = {
      entity: squatter,
      kind: 'label' as ComponentKind,
      value: { text: 'decoy' } as unknown as Version['value'],
      ts: { ms: clock.now, c: 0, node: PEER },
      seen: [],
    };
    node.applyRemote([v]);
    const report = async (id: string, sensorId: string) => {
      const components = {
        source: { sensorId, sensorType: 'radar' },
        position: { lat: here.lat, lon: here.lon, accuracy: 20 },
      };
      if ((await node.get(id)) === undefined) await node.create({ id, components });
      else await node.update(id, components);
    };
    for (let i = 0; i < 4; i++) {
      await report('a', 'radar-1');
      await report('b', 'radar-2');
      await clock.advance(1_000);
    }
    const ids = (await node.list()).map((x) => x.id);
    // One entry per id: a listing never shows two different things under one name.
    expect(new Set(ids).size).toBe(ids.length);
    // The fusion yields the id: the peer's entity shows as what it is, and the tracks it would have
    // hidden show unfused (nothing disappears; the peer only kept two tracks from merging).
    expect(ids.sort()).toEqual(['a', 'b', squatter].sort());
    const view = (await node.get(squatter))!;
    expect(view.components.label).toEqual({ text: 'decoy' });
    expect(view.components.fusion).toBeUndefined();
    expect(await node.fusionStats()).toMatchObject({ fused: 0, sources: 0 });
  });

  it('arriving after the fused view is shown, takes the id back at once', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'nodeA');
    const here = offset(DEFENDED_POINT, -2_000, 25_000);
    const report = async (id: string, sensorId: string) => {
      const components = {
        source: { sensorId, sensorType: 'radar' },
        position: { lat: here.lat, lon: here.lon, accuracy: 20 },
      };
      if ((await node.get(id)) === undefined) await node.create({ id, components });
      else await node.update(id, components);
    };
    for (let i = 0; i < 4; i++) {
      await report('c', 'radar-1');
      await report('d', 'radar-2');
      await clock.advance(1_000);
    }
    const squatter = fusedId(['c', 'd']);
    expect((await node.list()).map((x) => x.id)).toEqual([squatter]);
    node.applyRemote([
      {
        entity: squatter,
        kind: 'label' as ComponentKind,
        value: { text: 'decoy' } as unknown as Version['value'],
        ts: { ms: clock.now, c: 0, node: PEER },
        seen: [],
      },
    ]);
    await clock.advance(0);
    expect((await node.list()).map((x) => x.id).sort()).toEqual(['c', 'd', squatter].sort());
    await report('c', 'radar-1');
    await report('d', 'radar-2');
    await clock.advance(1_000);
    expect((await node.list()).map((x) => x.id).sort()).toEqual(['c', 'd', squatter].sort());
    expect((await node.get(squatter))!.components.fusion).toBeUndefined();
  });
});

describe('attack: a peer piles many tracks of many sensors on one point', () => {
  it("keeps a scan's gated pairs within n × maxGateCandidates, and the engine fuses none of the pile", () => {
    const n = 1_000;
    const c = DEFAULT_FUSION_CONFIG;
    const tracks: SourceTrack[] = Array.from({ length: n }, (_, i) => ({
      id: `pile-${String(i).padStart(4, '0')}` as EntityId,
      sensorId: `s-${String(i).padStart(4, '0')}`,
      position: { lat: 10, lon: 10, accuracy: 20 },
      time: 1_000,
    }));
    const table = new TrackTable(n, c.unknownSpeedMps);
    table.sensorIds.push(...tracks.map((t) => t.sensorId));
    tracks.forEach((t, i) => table.setTrack(i, t, i, c.defaultSigmaM));
    const gate = { chi2: c.gateChi2, meters: c.gateMeters, maxTimeDiffMs: c.maxTimeDiffMs };
    expect(gatePairs(table, gate, c.maxGateCandidates).count).toBeLessThanOrEqual(n * c.maxGateCandidates);

    // Through the engine, over the scans a pair needs to confirm: the pile stays raw, and a real
    // pair elsewhere still fuses.
    const engine = new FusionEngine();
    for (let scan = 1; scan <= c.confirmWindow; scan++) {
      const time = scan * 1_000;
      for (const t of tracks) engine.upsert({ ...t, time });
      engine.upsert({ id: 'real-a' as EntityId, sensorId: 'eo', position: { lat: 20, lon: 20, accuracy: 10 }, time });
      engine.upsert({
        id: 'real-b' as EntityId,
        sensorId: 'radar',
        position: { lat: 20, lon: 20, accuracy: 30 },
        time,
      });
      engine.scan(time);
    }
    expect(engine.fused().map((f) => [...f.fusion.sources].sort())).toEqual([['real-a', 'real-b']]);
  });
});

describe('attack: degenerate covariances within validation', () => {
  it('fuse to finite values, and an overconfident peer track moves a real track no further than the gate', () => {
    const c = DEFAULT_FUSION_CONFIG;
    const degenerate: [number, number, number][] = [
      [1e12, 1e12, 1e12],
      [1e12, -1e12, 1e12],
      [1e-12, 0, 1e-12],
      [0, 0, 0],
      [1e12, 0, 1e-12],
    ];
    for (const covariance of degenerate) {
      for (const east of [0, 1e-5, 3e-4, 1e-2]) {
        const engine = new FusionEngine();
        for (let scan = 1; scan <= c.confirmWindow + 1; scan++) {
          const time = scan * 1_000;
          const real = { lat: 10, lon: 10, accuracy: 10 };
          engine.upsert({ id: 'real' as EntityId, sensorId: 'eo', position: real, time });
          engine.upsert({
            id: 'peer' as EntityId,
            sensorId: 'radar',
            position: { lat: 10, lon: 10 + east, covariance },
            time,
          });
          engine.scan(time);
        }
        for (const f of engine.fused()) {
          const p = f.fusion.position;
          for (const v of [p.lat, p.lon, p.accuracy ?? 0, ...(p.covariance ?? [])])
            expect(Number.isFinite(v)).toBe(true);
          // Metres east of the real track (1e-5° of longitude at 10° N is about 1.1 m).
          const metres =
            Math.abs(p.lon - 10) * 111_320 * Math.cos((10 * Math.PI) / 180) + Math.abs(p.lat - 10) * 110_574;
          expect(metres, `${JSON.stringify(covariance)} at +${east}°`).toBeLessThanOrEqual(c.gateMeters);
        }
      }
    }
  });
});
