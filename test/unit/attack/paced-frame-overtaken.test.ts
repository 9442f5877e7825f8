/**
 * Hostile review of the per-link pace (docs/security.md, "Versions applied per second"): a frame
 * waiting for the pace was taken at the time computed when it started waiting, whatever was
 * charged meanwhile. A peer past its burst sends one more frame (it waits), then small urgent
 * frames, which overtake it and run the debt to a burst; when its time came the waiting frame was
 * taken on top of them: burst + burst of urgent + one whole frame merged at once, where the pace
 * allows burst + max(one frame, a burst of urgent). Now a frame is charged when it starts waiting,
 * so the urgent frames that overtake it have only what is left of the burst. Scaled down like
 * applied-rate.test.ts (pace and burst 1,000). Replay with SEED=<seed>.
 */
import { describe, expect, it, vi } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { APPLIED_BURST, MAX_OVERTAKING_VERSIONS, MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { syncSigner, testIdentity } from '../support/test-keys';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (paced frame overtaken): seed ${seed} (replay with SEED=${seed})`);
const salt = Math.floor(mulberry32(seed)() * 1e9).toString(36);

const threat = (entity: string, ms: number): Version =>
  ({
    entity,
    kind: 'threat',
    value: { level: 'HIGH' },
    ts: { ms, c: 0, node: 'x' },
    seen: [],
  }) as unknown as Version;

describe('attack suite: urgent frames overtaking a paced frame', () => {
  it('a waiting frame and the urgent frames that overtake it share the one burst of debt', async () => {
    const RATE = MAX_VERSIONS_APPLIED_PER_SECOND;
    const BURST = APPLIED_BURST;
    expect([RATE, BURST]).toEqual([1_000, 1_000]);
    const { h, mallory } = await scene();
    const sign = (vs: Version[]) => signedBatch(syncSigner(testIdentity('x')), 'x' as NodeId, vs);
    const fromX = (): number => [...h.node.versions()].filter((v) => v.ts.node === 'x').length;
    const base = T0 - 100_000;
    const first = await sign(Array.from({ length: BURST }, (_, i) => pos(`a${i}-${salt}`, 'x', base + i)));
    const waiting = BURST / 2;
    const second = await sign(Array.from({ length: waiting }, (_, i) => pos(`b${i}-${salt}`, 'x', base + BURST + i)));
    const start = h.clock;
    mallory.send(versionsFrame(first, true)); // the burst: taken at once
    mallory.send(versionsFrame(second, true)); // past it: waits
    await h.node.durable();
    // Small urgent frames (HIGH threats), as many as overtake, all within the same millisecond.
    let urgent = 0;
    for (let round = 0; round < 200; round++) {
      const batch = await sign(
        Array.from({ length: MAX_OVERTAKING_VERSIONS }, (_, i) =>
          threat(`u${round}-${i}-${salt}`, base + 10_000 + round * 100 + i),
        ),
      );
      mallory.send(versionsFrame(batch, true));
      urgent += batch.length;
      await h.node.durable();
    }
    const atOnce = fromX();
    // The waiting frame's time comes.
    h.tick(Math.ceil(1000 / RATE));
    await h.node.durable();
    const elapsed = h.clock - start;
    const merged = fromX();
    const bound = BURST + (RATE * elapsed) / 1000 + Math.max(waiting, BURST + MAX_OVERTAKING_VERSIONS);
    console.log(
      `attack suite: ${BURST} + ${waiting} (waiting) + ${urgent} urgent sent; ${atOnce} merged at once, ${merged} after ${elapsed} ms (bound ${bound})`,
    );
    expect(merged).toBeLessThanOrEqual(bound);
    expect(mallory.closedWith).toBeUndefined();
    // Nothing is dropped: the rest comes at the pace.
    for (let i = 0; i < 100 && fromX() < BURST + waiting + urgent; i++) await h.landed(100);
    expect(fromX()).toBe(BURST + waiting + urgent);
  }, 60_000);
});
