/**
 * Hostile review of the per-link pace (docs/security.md, "Versions applied per second"): the pace
 * runs on the node's wall clock, which may step back (the system clock set). A clock that steps
 * back refills nothing (ingest-pacer.ts); the sender's pace toward a peer, in debt when it
 * stepped, must not hold the rest of a catch-up until the clock is back where it was. It does
 * not: the step stops the sender's pings too (the heartbeat runs on the same clock), the peer
 * drops the link as silent after 8 s and the new link starts with fresh paces (all delivered
 * ~7.9 s after the step). Scaled down like applied-rate.test.ts (pace and burst
 * 1,000). Replay with SEED=<seed>.
 */
import { describe, expect, it, vi } from 'vitest';
import { MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { MeshSim } from '../node/mesh/mesh-sim';

vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (pace and a clock step): seed ${seed} (replay with SEED=${seed})`);

describe('attack suite: the link pace across a clock step', () => {
  it('a sender whose clock steps back an hour mid catch-up delivers the rest within seconds, not an hour later', async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(1_000);
    const N = 4_000;
    const sim = new MeshSim({ seed, registerLimits: { burst: 10 * N, ratePerSecond: 10 * N, maxAuthors: 64 } });
    const a = await sim.add('a');
    const b = await sim.add('b');
    sim.link('a', 'b');
    await sim.settle(60_000);
    const write = (from: number, n: number) =>
      a.node.writeMany(
        Array.from({ length: n }, (_, k) => ({
          id: `t${from + k}`,
          components: { position: { lat: 50 + (from + k) * 1e-5, lon: 8 } },
        })),
      );
    // The first push goes at once and leaves a's pace toward b in debt; the second waits for it.
    await write(0, N - 1_000);
    await sim.advance(100);
    await write(N - 1_000, 1_000);
    await sim.advance(100);
    const before = [...b.node.versions()].length;
    a.offsetMs -= 3_600_000;
    let at = -1;
    for (let step = 0; step < 200 && at < 0; step++) {
      await sim.advance(100);
      if ([...b.node.versions()].length === N) at = (step + 1) * 100;
    }
    console.log(
      `attack suite: ${N} registers, ${before} at b when a's clock stepped back 1 h, all ${at < 0 ? 'not within 20 s' : `${at} ms later`}; ` +
        `a: ${a.logs.slice(-2).join(' | ')}; b: ${b.logs.slice(-2).join(' | ')}`,
    );
    expect(at).toBeGreaterThan(0);
  }, 300_000);
});
