/**
 * Issue 12, "versions applied per second": a peer that pushes more than its link's pace
 * (MAX_VERSIONS_APPLIED_PER_SECOND after a burst of APPLIED_BURST), through the real link path (a
 * LatticeNode + MeshNode, scripted links, signed frames): what is past the pace waits, whole
 * frames in the link's order, and is counted (limitsHit.appliedRate); nothing is dropped, the
 * link is not cut for it, an honest peer on another link is served at once, and over any stretch
 * the flooder's versions merged stay within burst + rate × time + one frame. The pace is 8,192 a
 * second, so this file scales it down by mocking the two constants alone: every other limit and
 * the whole path are the real ones.
 */
import { describe, expect, it, vi } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { APPLIED_BURST, MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { syncSigner, testIdentity } from '../support/test-keys';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

const RATE = 1_000;
const BURST = 1_000;
vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  // RATE and BURST (vi.mock is hoisted above the consts)
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (applied rate): seed ${seed} (replay with SEED=${seed})`);
const rand = mulberry32(seed);

describe('attack suite: versions applied per second (issue 12)', () => {
  it('a peer pushing past its pace: the rest waits whole and is counted, nothing is dropped, an honest peer is still served', async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(RATE);
    expect(APPLIED_BURST).toBe(BURST);
    const { h, mallory, honest } = await scene();
    const frames = 6;
    const perFrame = RATE / 2;
    // Entity names shuffled by the seed: what is applied must not depend on their order.
    const salt = Math.floor(rand() * 1e9).toString(36);
    const batch = async (f: number) =>
      signedBatch(
        syncSigner(testIdentity('x')),
        'x' as NodeId,
        Array.from({ length: perFrame }, (_, i) => pos(`f${f}-${i}-${salt}`, 'x', T0 - 100_000 + f * perFrame + i)),
      );
    const flood = await Promise.all(Array.from({ length: frames }, (_, f) => batch(f)));
    const fromFlood = (): number => [...h.node.versions()].filter((v) => v.ts.node === 'x').length;
    const start = h.clock;
    for (const vs of flood) mallory.send(versionsFrame(vs, true)); // all within the same millisecond
    // The honest peer pushes in that same second, on its own link: its pace is its own.
    honest.send(versionsFrame([pos('honest-1', 'h', T0 - 10)], true));
    h.tick(0);
    await h.landed();

    console.log(
      `attack suite: ${frames * perFrame} versions pushed at once, ${fromFlood()} merged at once (burst ${BURST})`,
    );
    // The burst, in whole frames; the next frame waits (counted), the rest wait behind it.
    expect(fromFlood()).toBe(BURST);
    expect(h.mesh.syncStatus().limitsHit.appliedRate).toBe(perFrame);
    expect(h.mesh.securityStats().limitsHit.appliedRate).toBe(perFrame);
    // Not invalid input: the link stays up, the peer is not penalised.
    expect(mallory.closedWith).toBeUndefined();
    expect(h.mesh.securityStats().peersPenalised).toBe(0);
    // The honest peer was served at once.
    expect(await h.node.get('honest-1')).toBeDefined();

    // Time passes in steps: the rest is taken at the pace, never past burst + rate × time + a frame.
    for (let step = 0; step < 40 && fromFlood() < frames * perFrame; step++) {
      h.tick(100);
      await h.landed();
      const elapsed = h.clock - start;
      expect(fromFlood()).toBeLessThanOrEqual(BURST + (RATE * elapsed) / 1000 + perFrame);
    }
    // Nothing dropped: every version of the flood is merged, in about (total − burst) / rate seconds.
    expect(fromFlood()).toBe(frames * perFrame);
    const took = h.clock - start;
    console.log(`attack suite: the flood's ${frames * perFrame} versions merged in ${took} ms of the node's clock`);
    expect(took).toBeGreaterThanOrEqual(((frames * perFrame - BURST - perFrame) * 1000) / RATE);
    // Each frame that waited was counted once.
    expect(h.mesh.securityStats().limitsHit.appliedRate % perFrame).toBe(0);
    expect(h.mesh.securityStats().limitsHit.appliedRate).toBeGreaterThanOrEqual((frames - BURST / perFrame) * perFrame);
    expect(mallory.closedWith).toBeUndefined();
  }, 60_000);
});
