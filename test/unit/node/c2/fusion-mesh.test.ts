/**
 * Fusion across the in-memory mesh: two nodes, each writing one sensor's tracks of the same
 * objects, both fuse the same sources. Fusion is a local derived view (docs/fusion.md), so
 * each node shows one fused entity per object under the same deterministic id, nothing fused is
 * replicated, no conflict appears, and a source deleted on one node takes the fused view away on both.
 */
import { describe, expect, it } from 'vitest';
import type { Fusion } from '../../../../src/core/entity/component-types';
import { offset } from '../../../../src/core/sim/geo';
import { DEFAULT_FUSION_CONFIG } from '../../../../src/core/fusion/types';
import { expectOneFusedPerObject, fusionMesh, isFused, picture, seedFor, where as at, write } from './fusion-support';

const seed = seedFor('fusion mesh');

const OBJECTS = 4;
const SPEED = 20;
const where = (n: number, seconds: number) => at(n, seconds, SPEED);

describe('fusion over the in-memory mesh', () => {
  it('two nodes fusing the same sources show the same single fused entity per object, no conflict, nothing replicated', async () => {
    const {
      sim,
      nodes: [a, b],
    } = await fusionMesh(seed, [['nodeA'], ['nodeB']]);
    // A's EO reports with a velocity; B's radar reports 300 ms later, without one (time alignment).
    for (let k = 0; k < 6; k++) {
      for (let n = 0; n < OBJECTS; n++) {
        const p = where(n, k);
        await write(a, `eo-${n}`, {
          source: { sensorId: 'a-eo', sensorType: 'eo' },
          position: { lat: p.lat, lon: p.lon, accuracy: 5 },
          velocity: { east: SPEED, north: 0 },
        });
      }
      await sim.advance(300);
      for (let n = 0; n < OBJECTS; n++) {
        const p = offset(where(n, k + 0.3), 12, -8);
        await write(b, `radar-${n}`, {
          source: { sensorId: 'b-radar', sensorType: 'radar' },
          position: { lat: p.lat, lon: p.lon, accuracy: 30 },
        });
      }
      await sim.advance(700);
    }
    await sim.settle();
    await sim.advance(2_000);

    const views = { a: await picture(a), b: await picture(b) };
    for (const [name, list] of Object.entries(views)) {
      // One fused entity per object, pairing that object's two reports, and no raw source beside it.
      expectOneFusedPerObject(list, OBJECTS, name);
      // No conflict from fusion: each fused view is one register-free view with a single head for
      // what fusion computes. (Threat and classification are carried from a source, where each
      // node's classifier writes them: that is the classifier's register, not fusion's.)
      for (const v of list) {
        expect(
          v.conflicts.filter((k) => k !== 'threat' && k !== 'classification'),
          `${name} ${v.id}`,
        ).toEqual([]);
        for (const kind of ['fusion', 'position']) {
          expect(v.meta[kind], `${name} ${v.id} ${kind}`).toMatchObject({ conflict: false, heads: 1 });
        }
      }
    }
    // The same deterministic ids on both nodes.
    expect(views.b.map((v) => v.id)).toEqual(views.a.map((v) => v.id));
    // A fused view claims no write of the node showing it: it names the fusion and the authors of
    // the sources' positions (A's EO, B's radar), and follows the newest source position, B's.
    const authors = [a.id, b.id].sort();
    for (const [name, list] of Object.entries(views)) {
      for (const v of list) {
        const radarId = (v.components.fusion as Fusion).sources.find((s) => s.startsWith('radar-'))!;
        const radar = await a.node.get(radarId);
        for (const kind of ['fusion', 'position']) {
          expect(v.meta[kind]?.derived, `${name} ${v.id} ${kind}`).toEqual({ by: 'fusion', authors });
          expect(v.meta[kind]?.author, `${name} ${v.id} ${kind}`).toBe(b.id);
          expect(v.meta[kind]?.version, `${name} ${v.id} ${kind}`).toBe(radar?.meta.position?.version);
        }
      }
    }
    // Nothing fused was stored or sent: both nodes hold exactly the 2 × OBJECTS sources' versions.
    for (const n of [a, b]) {
      const entities = new Set([...n.node.versions()].map((v) => v.entity));
      expect([...entities].filter(isFused)).toEqual([]);
      expect(entities.size).toBe(2 * OBJECTS);
      for (const id of entities) {
        const source = await n.node.get(id);
        expect(source?.meta.position, id).toMatchObject({ conflict: false, heads: 1 });
      }
    }

    // A deletes a source B wrote: both nodes drop that fused view and show the other source again.
    const gone = views.a.find((v) => (v.components.fusion as Fusion).sources.includes('radar-0' as never))!;
    await a.node.remove('radar-0');
    await sim.settle();
    for (const n of [a, b]) {
      const ids = (await picture(n)).map((v) => v.id);
      expect(ids).not.toContain(gone.id);
      expect(ids).toContain('eo-0');
      expect(ids).not.toContain('radar-0');
      expect(ids.filter(isFused)).toHaveLength(OBJECTS - 1);
    }
  });

  it('a picture imported once on A fuses after its dwell on A, on B (live push) and on C (joined later, by repair): one fused entity per object, no duplicates', async () => {
    const {
      sim,
      nodes: [a, b],
    } = await fusionMesh(seed, [['nodeA'], ['nodeB']]);
    // One write of an EO and a radar track of each object (an import), never updated.
    const items = [];
    for (let n = 0; n < OBJECTS; n++) {
      const p = where(n, 0);
      const r = offset(p, 15, -10);
      items.push(
        {
          id: `eo-${n}`,
          components: {
            source: { sensorId: 'eo', sensorType: 'eo' },
            position: { lat: p.lat, lon: p.lon, accuracy: 5 },
          },
        },
        {
          id: `radar-${n}`,
          components: {
            source: { sensorId: 'radar', sensorType: 'radar' },
            position: { lat: r.lat, lon: r.lon, accuracy: 30 },
          },
        },
      );
    }
    await a.node.writeMany(items);
    await sim.settle();
    await sim.advance(1_000);
    for (const n of [a, b])
      expect(
        (await picture(n)).filter((v) => isFused(v.id)),
        n.id,
      ).toEqual([]);
    await sim.advance(DEFAULT_FUSION_CONFIG.confirmDwellMs);
    // A node that joins after the dwell gets the picture by repair, and fuses it after its own dwell.
    const c = await sim.add('nodeC');
    sim.link('nodeA', 'nodeC');
    await sim.settle();
    await sim.advance(DEFAULT_FUSION_CONFIG.confirmDwellMs + 1_000);

    const views = { a: await picture(a), b: await picture(b), c: await picture(c) };
    for (const [name, list] of Object.entries(views)) {
      expectOneFusedPerObject(list, OBJECTS, name);
      for (const v of list) expect(v.meta.fusion, `${name} ${v.id}`).toMatchObject({ conflict: false, heads: 1 });
    }
    expect(views.b.map((v) => v.id)).toEqual(views.a.map((v) => v.id));
    expect(views.c.map((v) => v.id)).toEqual(views.a.map((v) => v.id));
    for (const n of [a, b, c]) {
      const entities = new Set([...n.node.versions()].map((v) => v.entity));
      expect([...entities].filter(isFused), n.id).toEqual([]);
      expect(entities.size, n.id).toBe(2 * OBJECTS);
    }
  });
});
