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
import { MeshSim } from '../node/mesh/mesh-sim';

vi.mock('../../../src/core/sync/limits', async (original) => ({
  ...(await original<typeof import('../../../src/core/sync/limits')>()),
  MAX_VERSIONS_APPLIED_PER_SECOND: 1_000,
  APPLIED_BURST: 1_000,
  MAX_BACKLOG_BYTES: 2 * 1024 * 1024,
}));

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (urgent relays vs the send pace): seed ${seed} (replay with SEED=${seed})`);

const TRACKS = 40;
/** Each writer toggles every track's threat every `PERIOD` ms: TRACKS × 1000 / PERIOD a second. */
const PERIOD = 50;

describe('attack suite: urgent relays against a link pace', () => {
  it("two writers' HIGH threat toggles relayed by v do not keep v's own ordinary write from h while they last", async () => {
    expect(MAX_VERSIONS_APPLIED_PER_SECOND).toBe(1_000);
    expect(APPLIED_BURST).toBe(1_000);
    expect(MAX_BACKLOG_BYTES).toBe(2 * 1024 * 1024);
    const sim = new MeshSim({ seed, registerLimits: { burst: 100_000, ratePerSecond: 100_000, maxAuthors: 64 } });
    const writers = ['m1', 'm2'];
    const nodes = new Map<string, Awaited<ReturnType<MeshSim['add']>>>();
    for (const id of [...writers, 'v', 'h']) nodes.set(id, await sim.add(id));
    for (const w of writers) sim.link(w, 'v');
    sim.link('v', 'h');
    for (const w of writers)
      await nodes
        .get(w)!
        .node.writeMany(
          Array.from({ length: TRACKS }, (_, i) => ({ id: `${w}-t${i}`, components: { threat: { level: 'HIGH' } } })),
        );
    await sim.settle(60_000);
    const v = nodes.get('v')!;
    const h = nodes.get('h')!;

    // Each writer toggles its tracks' threats (a HIGH track: every change is urgent), at the pace
    // its own link into v takes (TRACKS × 1000 / PERIOD = 800 a second < 1,000).
    const start = sim.clock;
    let round = 0;
    let ownAt: number | undefined;
    let highAt: number | undefined;
    let cutAt: number | undefined;
    for (let t = 0; t < 20_000 && cutAt === undefined; t += PERIOD) {
      round += 1;
      const level = round % 2 === 0 ? 'HIGH' : 'LOW';
      for (const w of writers)
        await nodes
          .get(w)!
          .node.writeMany(
            Array.from({ length: TRACKS }, (_, i) => ({ id: `${w}-t${i}`, components: { threat: { level } } })),
          );
      // v's own ordinary write, 2 s into the flood.
      if (t === 2_000) {
        await v.node.create({ id: 'v-own', components: { position: { lat: 1, lon: 2 } } });
        // And an urgent one of its own: a HIGH threat.
        await v.node.create({ id: 'v-high', components: { threat: { level: 'HIGH' } } });
      }
      await sim.advance(PERIOD);
      if (highAt === undefined && t >= 2_000 && (await h.node.get('v-high')) !== undefined) highAt = sim.clock;
      if (ownAt === undefined && t >= 2_000 && (await h.node.get('v-own')) !== undefined) ownAt = sim.clock;
      if (cutAt === undefined && h.logs.some((l) => /faster than their signatures/.test(l))) cutAt = sim.clock;
    }
    const flood = sim.clock - start;
    let after = -1;
    for (let step = 0; step < 600 && after < 0; step++) {
      await sim.advance(100);
      if ((await h.node.get('v-own')) !== undefined) after = (step + 1) * 100;
    }
    console.log(
      `attack suite: the flood stopped at ${flood} ms; v's own write reached h ${after} ms after it stopped; v's HIGH threat reached h ${highAt === undefined ? 'not during the flood' : `${highAt - start - 2_000} ms after it was written`}`,
    );
    const stats = h.mesh.securityStats();
    console.log(
      `attack suite: ${writers.length} writers × ${(TRACKS * 1000) / PERIOD} urgent versions a second for ${flood} ms; ` +
        `v's own write reached h after ${ownAt === undefined ? 'never' : `${ownAt - start - 2_000} ms`}; ` +
        `h cut v's link at ${cutAt === undefined ? 'never' : `${cutAt - start} ms`}; h: appliedRate ${stats.limitsHit.appliedRate}, ` +
        `verifyBacklog ${stats.limitsHit.verifyBacklog}; h's log: ${h.logs.slice(-3).join(' | ')}`,
    );
    expect(cutAt).toBeUndefined();
    expect(ownAt).toBeDefined();
  }, 600_000);
});
