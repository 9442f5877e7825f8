/**
 * One valid version stamped 59 s ahead (inside the 60 s skew limit, so observed, not held) drags
 * a node's hybrid clock; fusion's clock follows it only FUSION_CLOCK_LEAD_MS ahead of the wall
 * clock (src/node/fusion-view.ts, docs/fusion.md "Time basis"), so the remote sensors' reports,
 * stamped by their honest writer at wall time, do not look a minute old to this node's fusion.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { offset } from '../../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import { ManualClock, openNode } from './manual-node';

const S = 'sensor' as NodeId;
const PEER = 'mallory' as NodeId;

async function world(attack: boolean) {
  const clock = new ManualClock();
  const { node } = await openNode(clock, 'nodeA');
  const objs = Array.from({ length: 20 }, (_, i) => offset(DEFENDED_POINT, i * 2_000 + 30_000, 30_000));
  let c = 0;
  for (let scan = 0; scan < 10; scan++) {
    const ts = { ms: clock.now, c: c++, node: S };
    const v = (e: string, kind: string, value: unknown): Version => ({
      entity: e as EntityId,
      kind: kind as ComponentKind,
      value: value as Version['value'],
      ts,
      seen: [],
    });
    node.applyRemote(
      objs.flatMap((p, i) => [
        v(`eo-${i}`, 'source', { sensorId: 'eo-1', sensorType: 'eo' }),
        v(`eo-${i}`, 'position', { lat: p.lat, lon: p.lon, accuracy: 5 }),
        v(`rd-${i}`, 'source', { sensorId: 'radar-1', sensorType: 'radar' }),
        v(`rd-${i}`, 'position', { lat: p.lat, lon: p.lon, accuracy: 30 }),
      ]),
    );
    if (attack && scan === 7) {
      const note: Version = {
        entity: 'zz-note' as EntityId,
        kind: 'zz_note' as ComponentKind,
        value: { text: 'hi' } as Version['value'],
        ts: { ms: clock.now + 59_000, c: 0, node: PEER },
        seen: [],
      };
      node.applyRemote([note]);
    }
    await clock.advance(1_000);
  }
  const fused = (await node.list()).filter((e) => e.components.fusion !== undefined);
  const conf = fused.map((e) => (e.components.fusion as { confidence: number }).confidence);
  return { fused: fused.length, minConf: Math.min(...conf), maxConf: Math.max(...conf) };
}

describe("fusion's clock follows the node's hybrid clock at most FUSION_CLOCK_LEAD_MS ahead", () => {
  it("one peer's note stamped 59 s ahead ages the fused picture by at most the lead", async () => {
    const base = await world(false);
    const evil = await world(true);
    expect(evil.fused).toBe(base.fused);
    expect(base.fused).toBe(20);
    // Before the cap the note aged every fused track by 59 s (0.99 → 0.60); now by 10 s at most,
    // which keeps a 1-s feed's fused tracks well above half of the baseline's confidence.
    expect(evil.minConf).toBeGreaterThan(0.8 * base.minConf);
  }, 120_000);
});
