/**
 * Fusion across writers whose clocks disagree (docs/fusion.md, "Time basis"): two nodes 5 s apart,
 * one writing EO tracks, the other radar tracks of the same objects at the same instants. A
 * report's time is its version's HLC stamp, which every node reads alike; the hybrid clock carries
 * the faster writer's stamps into the slower one's, so two sources reporting together are stamped
 * at most one report period apart whatever their skew, and fuse while that period is inside the
 * 2-s time gate. (A slower feed from writers that far apart is the limit docs/fusion.md states.)
 */
import { describe, it } from 'vitest';
import { offset } from '../../../../src/core/sim/geo';
import { expectOneFusedPerObject, fusionMesh, picture, seedFor, where as at, write } from './fusion-support';

const seed = seedFor('fusion skew');

const OBJECTS = 3;
const SPEED = 20;
const where = (n: number, s: number) => at(n, s, SPEED);

describe('fusion across writers whose clocks are 5 s apart', () => {
  it.each([
    ['behind', -5_000, 1_000],
    ['ahead', 5_000, 1_000],
    ['behind', -5_000, 1_500],
    ['ahead', 5_000, 1_500],
  ])(
    'the radar writer`s clock %s by %i ms, reports every %i ms: both nodes fuse every object',
    async (_name, skew, PERIOD_MS) => {
      const {
        sim,
        nodes: [a, b],
      } = await fusionMesh(seed, [['nodeA'], ['nodeB', skew]]);
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
        await sim.advance(PERIOD_MS);
      }
      for (const n of [a, b]) expectOneFusedPerObject(await picture(n), OBJECTS, n.id);
    },
  );
});
