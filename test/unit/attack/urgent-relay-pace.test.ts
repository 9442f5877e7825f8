/**
 * Hostile review of the per-link pace (docs/security.md, "Versions applied per second"): urgent
 * versions (HIGH threat changes, decisions, deletes) a node relays go out at once, charged to its
 * send pace toward each neighbour but never held by it. Writers m1, m2 (valid members, each within
 * its own link's pace into v) toggle HIGH threats; v relays every one of them at once to its honest
 * neighbour h. Unheld, the relays ran v's send debt toward h up without end, and h, taking v's
 * link at its pace, piled v's frames up in its backlog until it cut the honest link as "frames
 * sent faster than their signatures can be checked" (5.9 s into the toggling, before the fix).
 * Now urgent versions overtake the send pace only while its debt is within a burst, as the peer
 * lets them overtake its own (IngestPacer.mayOvertake); past it they wait in order with the rest.
 * Scaled down like applied-rate.test.ts: the pace and burst to 1,000, and the backlog
 * in the same ratio (16 MiB × 1,000 / 16,384 = 1 MiB), so the times are those of the real figures.
 * v's own HIGH threat, written 2 s in, must still reach h while the flood lasts (the priority lane).
 * Replay with SEED=<seed>.
 */
import { describe, expect, it, vi } from 'vitest';
import { APPLIED_BURST, MAX_BACKLOG_BYTES, MAX_VERSIONS_APPLIED_PER_SECOND } from '../../../src/core/sync';
import { OWN_AT_MS, relayFlood, TOGGLES_PER_SECOND } from './urgent-relay-scene';

vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
  MAX_BACKLOG_BYTES: 1024 * 1024,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (urgent relays vs the send pace): seed ${seed} (replay with SEED=${seed})`);

describe('attack suite: urgent relays against a link pace', () => {
  it("two writers' HIGH threat toggles relayed by v do not cut the honest v–h link", async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(1_000);
    expect(APPLIED_BURST).toBe(1_000);
    expect(MAX_BACKLOG_BYTES).toBe(1024 * 1024);
    const { v, h, writers, start, flood, cutAt, highAt } = await relayFlood(seed, { own: false });
    const stats = h.mesh.securityStats();
    console.log(
      `attack suite: ${writers.length} writers × ${TOGGLES_PER_SECOND} urgent versions a second for ${flood} ms; ` +
        `v's own HIGH threat reached h ${highAt === undefined ? 'never' : `${highAt - start - OWN_AT_MS} ms after it was written`}; ` +
        `h cut v's link at ${cutAt === undefined ? 'never' : `${cutAt - start} ms`}; h: appliedRate ${stats.limitsHit.appliedRate}, ` +
        `verifyBacklog ${stats.limitsHit.verifyBacklog}; h's log: ${h.logs.slice(-3).join(' | ')}`,
    );
    expect(cutAt).toBeUndefined();
    expect(stats.limitsHit.verifyBacklog).toBe(0);
    expect(highAt).toBeDefined();
    // The honest link stays up: v's relays to h wait for its pace once its debt is a burst.
    expect(v.mesh.peers().some((p) => p.peer === 'h')).toBe(true);
  }, 600_000);
});
