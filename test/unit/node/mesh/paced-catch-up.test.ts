/**
 * A link's pace (MAX_VERSIONS_APPLIED_PER_SECOND, docs/security.md "Versions applied per second")
 * holds an honest catch-up to that pace without dropping anything: a node back from a partition
 * takes another's new registers over one link, in the simulated mesh (virtual clock, real
 * sessions, signatures and stores), and ends with the same picture, its link never cut or charged,
 * in about the time the pace allows (virtual time: the pace is what is asserted, not the machine).
 * Here the node holding the registers is the initiator (the smaller id), so it pushes what its
 * round finds the other lacking, unasked: the sender keeps the peer's pace on its side, so the
 * receiver's backlog never fills (before, 100,000 registers cut the link as "frames sent faster
 * than their signatures can be checked").
 * Replay with SEED=<seed>; N=<count> for a larger catch-up.
 */
import { describe, expect, it } from 'vitest';
import { APPLIED_BURST, MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../../src/core/sync';
import { partitionedCatchUp, writePositions } from '../../support/catch-up';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now());
const N = Number(process.env.N ?? 40_000);
console.log(`paced catch-up: seed ${seed} (replay with SEED=${seed}), ${N} registers`);

describe('paced catch-up (issue 12, versions applied per second)', () => {
  // The writer as the initiator (it pushes what the catcher lacks) and as the responder (the
  // catcher's rounds: pushes before each reply, and its `want`s).
  it.each([
    ['a', 'b'],
    ['z', 'b'],
  ])(
    'an honest catch-up past the burst from %s to %s is paced, not dropped or cut, and converges',
    async (w, c) => {
      const { sim, b } = await partitionedCatchUp(seed, N, w, c);
      const took = await sim.settle(600_000);
      const stats = b.mesh.securityStats();
      console.log(
        `paced catch-up: ${N} registers over one link in ${took} ms of virtual time (pace ${MAX_VERSIONS_APPLIED_PER_SECOND}/s after ${APPLIED_BURST}); ` +
          `${stats.limitsHit.appliedRate} versions waited for the pace; b's log: ${b.logs.slice(-3).join(' | ')}`,
      );
      expect(await sim.dump(c)).toBe(await sim.dump(w));
      expect([...b.node.versions()].length).toBe(N);
      // Never charged: the sender kept to the pace, so nothing piled up behind a waiting frame.
      expect(stats.limitsHit.verifyBacklog).toBe(0);
      expect(stats.peersPenalised).toBe(0);
      expect(b.logs.filter((l) => /too many invalid|faster than their signatures/.test(l))).toEqual([]);
      // Virtual time: at least what the pace allows (a 64 KiB frame of positions carries ~3,300, so
      // at most that much beyond it), and not the 30 s periodic round's rhythm.
      expect(took).toBeGreaterThanOrEqual(((N - APPLIED_BURST - 8_192) * 1000) / MAX_VERSIONS_APPLIED_PER_SECOND);
      expect(took).toBeLessThan(((N - APPLIED_BURST) * 1000) / MAX_VERSIONS_APPLIED_PER_SECOND + 20_000);
    },
    300_000,
  );
});

describe('the pace on a budgeted link (issue 12 with issue 9)', () => {
  it('live versions a budgeter sends keep to the peer’s pace: a burst of writes past it is taken in time, the link never cut', async () => {
    const sim = new MeshSim({ seed, registerLimits: { burst: 10 * N, ratePerSecond: 10 * N, maxAuthors: 64 } });
    const a = await sim.add('a');
    const b = await sim.add('b');
    sim.link('a', 'b');
    await sim.settle();
    // A budget far above what the pace lets through in tiny versions (~25 B each: 16,384 a second is ~0.4 MB/s).
    await a.node.setBudget('*', { bytesPerSecond: 50_000_000, burstBytes: 50_000_000 });
    const live = Math.min(N, 40_000);
    const start = sim.clock;
    await writePositions(a.node, live, 'l', 40, 9);
    await sim.settle(600_000);
    const stats = b.mesh.securityStats();
    console.log(
      `paced budgeted link: ${live} live writes in ${sim.clock - start} ms of virtual time; ${stats.limitsHit.appliedRate} versions waited on b; log: ${b.logs.slice(-2).join(' | ')}`,
    );
    expect(await sim.dump('b')).toBe(await sim.dump('a'));
    expect(stats.limitsHit.verifyBacklog).toBe(0);
    expect(stats.peersPenalised).toBe(0);
    expect(b.logs.filter((l) => /too many invalid|faster than their signatures/.test(l))).toEqual([]);
    expect(sim.clock - start).toBeGreaterThanOrEqual(
      ((live - APPLIED_BURST - 8_192) * 1000) / MAX_VERSIONS_APPLIED_PER_SECOND,
    );
  }, 300_000);
});
