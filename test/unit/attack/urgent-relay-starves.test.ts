/**
 * Hostile review of the per-link pace (docs/security.md, "Versions applied per second"). Two
 * writers, each within its own link's pace into v, toggle HIGH threats; v relays every change to
 * its honest neighbour h, and v's send pace toward h (1,000 a second here, scaled like
 * urgent-relay-pace.test.ts) is all taken by those relays. v's own ordinary write, made 2 s into
 * the flood, must still reach h while the flood lasts: our own writes wait in a queue of their own
 * and go before what we relay (live-push.ts). Before, the write waited behind the relays (the
 * live queue full, so refused and left to a round whose repair went after the live queue) and
 * reached h 4.3 s after the flood ended. Replay with SEED=<seed>.
 */
import { describe, expect, it, vi } from 'vitest';
import { APPLIED_BURST, MAX_BACKLOG_BYTES, MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { OWN_AT_MS, relayFlood, TOGGLES_PER_SECOND } from './urgent-relay-scene';

vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
  MAX_BACKLOG_BYTES: 2 * 1024 * 1024,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (urgent relays vs the send pace): seed ${seed} (replay with SEED=${seed})`);

describe('attack suite: urgent relays against a link pace', () => {
  it("two writers' HIGH threat toggles relayed by v do not keep v's own ordinary write from h while they last", async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(1_000);
    expect(APPLIED_BURST).toBe(1_000);
    expect(MAX_BACKLOG_BYTES).toBe(2 * 1024 * 1024);
    const { sim, h, writers, start, flood, cutAt, highAt, ownAt } = await relayFlood(seed, { own: true });
    let after = -1;
    for (let step = 0; step < 600 && after < 0; step++) {
      await sim.advance(100);
      if ((await h.node.get('v-own')) !== undefined) after = (step + 1) * 100;
    }
    console.log(
      `attack suite: the flood stopped at ${flood} ms; v's own write reached h ${after} ms after it stopped; v's HIGH threat reached h ${highAt === undefined ? 'not during the flood' : `${highAt - start - OWN_AT_MS} ms after it was written`}`,
    );
    const stats = h.mesh.securityStats();
    console.log(
      `attack suite: ${writers.length} writers × ${TOGGLES_PER_SECOND} urgent versions a second for ${flood} ms; ` +
        `v's own write reached h after ${ownAt === undefined ? 'never' : `${ownAt - start - OWN_AT_MS} ms`}; ` +
        `h cut v's link at ${cutAt === undefined ? 'never' : `${cutAt - start} ms`}; h: appliedRate ${stats.limitsHit.appliedRate}, ` +
        `verifyBacklog ${stats.limitsHit.verifyBacklog}; h's log: ${h.logs.slice(-3).join(' | ')}`,
    );
    expect(cutAt).toBeUndefined();
    expect(ownAt).toBeDefined();
  }, 600_000);
});
