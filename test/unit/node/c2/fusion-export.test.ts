/**
 * Export and import with fusion on (docs/ui.md, "Export and import"): a fused track is derived on
 * every node from its sources, so the export writes its sources (as the picture panel does), and
 * an import refuses a fused id. Before, the export held the fused views alone; imported, they were
 * stored under the fused ids, the importing node's own fused views yielded to them, and each
 * object showed three times: the stored copy and both sources. The file is written once and never
 * updated: the importing node fuses its pairs after their dwell (docs/fusion.md, "Hysteresis").
 */
import { describe, expect, it } from 'vitest';
import type { Fusion } from '../../../../src/core/entity/component-types';
import { DEFAULT_FUSION_CONFIG } from '../../../../src/core/fusion/types';
import { exportPicture, fusedSources, importPicture, withSources } from '../../../../src/core/interop/picture-format';
import { offset } from '../../../../src/core/sim/geo';
import type { EntityView } from '../../../../src/core/store/entity-view';
import type { LatticeNode } from '../../../../src/node/lattice-node';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { ManualClock, openNode } from './manual-node';

const OBJECTS = 3;
const isFused = (id: string): boolean => id.startsWith('fused:');

/** One report of every object by each sensor, then a second. */
async function report(node: LatticeNode, clock: ManualClock, cycles: number): Promise<void> {
  for (let k = 0; k < cycles; k++) {
    const items = [];
    for (let n = 0; n < OBJECTS; n++) {
      const p = offset(DEFENDED_POINT, 2_000 * n + 10 * k, 4_000);
      const r = offset(p, 15, -10);
      items.push(
        {
          id: `eo-${n}`,
          components: { source: { sensorId: 'eo', sensorType: 'eo' }, position: { ...p, accuracy: 5 } },
        },
        {
          id: `radar-${n}`,
          components: { source: { sensorId: 'radar', sensorType: 'radar' }, position: { ...r, accuracy: 30 } },
        },
      );
    }
    await node.writeMany(items);
    await clock.advance(1_000);
  }
}

/** What the picture panel exports: the shown picture, each fused track as its sources. */
async function exported(node: LatticeNode, now: number): Promise<string> {
  const shown = await node.list();
  const sources = new Map<string, EntityView>();
  for (const id of shown.flatMap(fusedSources)) sources.set(id, (await node.get(id))!);
  return exportPicture(
    withSources(shown, (id) => sources.get(id)),
    'geojson',
    now,
  );
}

describe('export and import with fusion on', () => {
  it('round trip: exported from A, imported on B, B shows exactly one fused track per object', async () => {
    const clock = new ManualClock();
    const a = (await openNode(clock, 'nodeA')).node;
    await report(a, clock, 3);
    expect((await a.list()).filter((v) => isFused(v.id))).toHaveLength(OBJECTS);

    const { imported, rejected } = importPicture(await exported(a, clock.now), 'geojson');
    expect(rejected).toEqual([]);
    expect(imported.map((i) => i.id).sort()).toEqual(
      Array.from({ length: OBJECTS }, (_, n) => [`eo-${n}`, `radar-${n}`])
        .flat()
        .sort(),
    );

    const b = (await openNode(clock, 'nodeB')).node;
    await b.writeMany(imported);
    await clock.advance(1_000);
    // One report each and no more (a file): raw until the pairs' dwell ends, then fused.
    expect((await b.list()).filter((v) => isFused(v.id))).toEqual([]);
    await clock.advance(DEFAULT_FUSION_CONFIG.confirmDwellMs);
    const list = await b.list();
    const fused = list.filter((v) => isFused(v.id));
    expect(fused.map((f) => [...(f.components.fusion as Fusion).sources].sort().join(' ')).sort()).toEqual(
      Array.from({ length: OBJECTS }, (_, n) => `eo-${n} radar-${n}`),
    );
    expect(list.filter((v) => !isFused(v.id))).toEqual([]);
    // Nothing stored under a fused id.
    expect([...b.versions()].filter((v) => isFused(v.entity))).toEqual([]);
  });

  it('a file holding fused tracks (an export made before) has them refused by name, its other items imported', async () => {
    const clock = new ManualClock();
    const a = (await openNode(clock, 'nodeA')).node;
    await report(a, clock, 3);
    await a.create({ id: 'buoy', components: { position: { ...DEFENDED_POINT } } });
    const shown = await a.list();
    const { imported, rejected } = importPicture(exportPicture(shown, 'geojson', clock.now), 'geojson');
    expect(imported.map((i) => i.id)).toEqual(['buoy']);
    expect(rejected).toHaveLength(OBJECTS);
    for (const r of rejected) expect(r.reason).toContain('is a fused track: import its sources');
  });
});
