/**
 * Fusion across writers whose clocks disagree (docs/fusion.md, "Time basis"): two nodes 5 s apart,
 * one writing EO tracks, the other radar tracks of the same objects at the same instants. A
 * report's time is its version's HLC stamp, which every node reads alike; the hybrid clock carries
 * the faster writer's stamps into the slower one's, so two sources reporting together are stamped
 * at most one report period apart whatever their skew, and fuse while that period is inside the
 * 2-s time gate. (A slower feed from writers that far apart is the limit docs/fusion.md states.)
 */
import { describe, expect, it } from 'vitest';
import type { EntityView } from '../../../../src/core/store/entity-view';
import type { Fusion } from '../../../../src/core/entity/component-types';
import { offset } from '../../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { MeshSim, type SimNode } from '../mesh/mesh-sim';

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
console.log(`fusion skew seed ${seed}; replay with SEED=${seed}`);

const OBJECTS = 3;
const SPEED = 20;
const isFused = (id: string): boolean => id.startsWith('fused:');
/** Object n at second s: 2 km apart, moving east. */
const where = (n: number, s: number) => offset(DEFENDED_POINT, 2_000 * n + SPEED * s, 5_000);

async function write(sim: SimNode, id: string, components: Record<string, unknown>): Promise<void> {
  if ((await sim.node.get(id)) === undefined) await sim.node.create({ id, components });
  else await sim.node.update(id, components);
}

async function picture(n: SimNode): Promise<EntityView[]> {
  return (await n.node.list()).sort((x, y) => (x.id < y.id ? -1 : 1));
}

describe('fusion across writers whose clocks are 5 s apart', () => {
  it.each([
    ['behind', -5_000, 1_000],
    ['ahead', 5_000, 1_000],
    ['behind', -5_000, 1_500],
    ['ahead', 5_000, 1_500],
  ])(
    'the radar writer`s clock %s by %i ms, reports every %i ms: both nodes fuse every object',
    async (_name, skew, PERIOD_MS) => {
      const sim = new MeshSim({ seed });
      const a = await sim.add('nodeA');
      const b = await sim.add('nodeB', skew);
      sim.link('nodeA', 'nodeB');
      sim.settle();
      for (let k = 0; k < 8; k++) {
        const s = (k * PERIOD_MS) / 1000;
        for (let n = 0; n < OBJECTS; n++) {
          const p = where(n, s);
          await write(a, `eo-${n}`, {
            source: { sensorId: 'a-eo', sensorType: 'eo' },
            position: { lat: p.lat, lon: p.lon, accuracy: 5 },
            velocity: { east: SPEED, north: 0 },
          });
          const r = offset(p, 12, -8);
          await write(b, `radar-${n}`, {
            source: { sensorId: 'b-radar', sensorType: 'radar' },
            position: { lat: r.lat, lon: r.lon, accuracy: 30 },
          });
        }
        sim.advance(PERIOD_MS);
      }
      for (const n of [a, b]) {
        const list = await picture(n);
        const fused = list.filter((v) => isFused(v.id));
        const pairs = fused.map((f) => [...(f.components.fusion as Fusion).sources].sort().join(' ')).sort();
        expect(pairs, n.id).toEqual(Array.from({ length: OBJECTS }, (_, i) => `eo-${i} radar-${i}`));
        expect(
          list.filter((v) => !isFused(v.id)),
          n.id,
        ).toEqual([]);
      }
    },
  );
});
