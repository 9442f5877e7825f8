/**
 * Attack, end to end: a peer replicates ONE valid track (source + position + velocity 20,000 m/s,
 * its version stamped 2 s in the past), far from the honest ones. When the gate widened every
 * query box by the fastest track in the picture (40 km here), every honest box held more than
 * maxGateCandidates tracks and the victim fused none of its 300 pairs. The index is now split by
 * speed class (spatial-gate.ts), so the fast track widens only the boxes asked of its own class.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { offset } from '../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../src/node/c2-pipeline';
import { ManualClock, openNode } from '../node/c2/manual-node';

const PEER = 'mallory' as NodeId;

async function world(attack: boolean): Promise<{ fused: number; lastScanMs: number; accepted: number }> {
  const clock = new ManualClock();
  const { node } = await openNode(clock, 'nodeA');
  const N = 300;
  const objs = Array.from({ length: N }, (_, i) =>
    offset(DEFENDED_POINT, ((i % 20) - 10) * 1_000 + 30_000, (Math.floor(i / 20) - 7) * 1_000 + 30_000),
  );
  let accepted = 0;
  for (let scan = 0; scan < 6; scan++) {
    const items = objs.flatMap((p, i) => [
      {
        id: `eo-${i}`,
        components: {
          source: { sensorId: 'eo-1', sensorType: 'eo' },
          position: { lat: p.lat, lon: p.lon, accuracy: 5 },
        },
      },
      {
        id: `rd-${i}`,
        components: {
          source: { sensorId: 'radar-1', sensorType: 'radar' },
          position: { lat: p.lat, lon: p.lon, accuracy: 30 },
        },
      },
    ]);
    await node.writeMany(items);
    if (attack) {
      const ts = { ms: clock.now - 2_000, c: 0, node: PEER };
      const e = 'zz-mallory' as EntityId;
      const v = (kind: string, value: unknown): Version => ({
        entity: e,
        kind: kind as ComponentKind,
        value: value as Version['value'],
        ts,
        seen: [],
      });
      const far = offset(DEFENDED_POINT, 80_000, 80_000);
      accepted += node.applyRemote([
        v('source', { sensorId: 'radar-1', sensorType: 'radar' }),
        v('position', { lat: far.lat, lon: far.lon, accuracy: 10 }),
        v('velocity', { east: 20_000, north: 0 }),
      ]).length;
    }
    await clock.advance(1_000);
  }
  const s = await node.fusionStats();
  return { fused: s.fused, lastScanMs: s.lastScanMs, accepted };
}

describe('attack: one replicated fast track', () => {
  it('leaves every honest pair fused', async () => {
    const base = await world(false);
    const evil = await world(true);
    console.log('baseline', base, 'attacked', evil);
    expect(base.fused).toBe(300);
    expect(evil.accepted).toBeGreaterThan(0);
    expect(evil.fused).toBe(300);
  }, 120_000);
});
