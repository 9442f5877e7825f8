/**
 * Issue 12, "versions applied per second": a peer that pushes more than MAX_VERSIONS_APPLIED_PER_SECOND
 * in one second, through the real link path (a LatticeNode + MeshNode, scripted links, signed
 * frames): what is over is neither verified nor merged, it is counted (limitsHit.appliedRate), the
 * link is not cut for it, an honest peer on another link is still served in that same second, and
 * the refused versions are taken once the second is over. The bound is 2,000,000 a second (far
 * beyond a unit test's reach), so this file scales it down by mocking the constant alone: every
 * other limit and the whole path are the real ones.
 */
import { describe, expect, it, vi } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { syncSigner, testIdentity } from '../support/test-keys';
import { pos, T0, versionsFrame } from '../node/mesh/scripted-peers';
import { scene } from './attack-scene';

const RATE = 1_000;
vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000, // RATE (vi.mock is hoisted above the const)
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (applied rate): seed ${seed} (replay with SEED=${seed})`);
const rand = mulberry32(seed);

describe('attack suite: versions applied per second (issue 12)', () => {
  it('a peer pushing past the per-second bound: the excess is counted and not applied, an honest peer is still served', async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(RATE);
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
    for (const vs of flood) mallory.send(versionsFrame(vs, true)); // all within the same millisecond
    // The honest peer pushes in that same second, on its own link: its budget is its own.
    honest.send(versionsFrame([pos('honest-1', 'h', T0 - 10)], true));
    h.tick();

    const fromFlood = [...h.node.versions()].filter((v) => v.ts.node === 'x').length;
    console.log(
      `attack suite: ${frames * perFrame} versions pushed in one second, ${fromFlood} applied (bound ${RATE})`,
    );
    expect(fromFlood).toBe(RATE);
    const over = frames * perFrame - RATE;
    expect(h.mesh.syncStatus().limitsHit.appliedRate).toBe(over);
    expect(h.mesh.securityStats().limitsHit.appliedRate).toBe(over);
    // Not invalid input: the link stays up, the peer is not penalised.
    expect(mallory.closedWith).toBeUndefined();
    expect(h.mesh.securityStats().peersPenalised).toBe(0);
    // The honest peer was served in the same second.
    expect(await h.node.get('honest-1')).toBeDefined();

    // The next second the window refills: a refused frame pushed again is taken.
    h.tick(1000);
    mallory.send(versionsFrame(flood[frames - 1]!, true));
    h.tick();
    expect([...h.node.versions()].filter((v) => v.ts.node === 'x').length).toBe(RATE + perFrame);
    expect(h.mesh.securityStats().limitsHit.appliedRate).toBe(over);
  }, 60_000);
});
