/**
 * Versions refused for the new-register limit through anti-entropy (docs/security.md, "The
 * hold-back"): set aside, not fetched nor checked again at every round while their author's bucket
 * refills, each until the bucket should take it, then taken by the next round.
 */
import { describe, expect, it } from 'vitest';
import { MeshSim } from '../node/mesh/mesh-sim';

const HOLD_BACK_MS = 60_000;
const ROUND_MS = 5_000;

describe('attack suite: versions over the new-register limit through anti-entropy', () => {
  it('are set aside until the bucket can take them, not fetched again each round, and pass then', async () => {
    const sim = new MeshSim({
      seed: 7,
      session: { syncIntervalMs: ROUND_MS, unappliedRetryMs: HOLD_BACK_MS },
      // 20 new registers at once, then one every two seconds: the 20 refused fit 40 s later.
      registerLimits: { burst: 20, ratePerSecond: 0.5, maxAuthors: 4096 },
    });
    const a = await sim.add('a');
    const m = await sim.add('m');
    for (let i = 0; i < 40; i++) await a.node.create({ id: `t${i}`, components: { position: { lat: 1, lon: i } } });
    sim.link('a', 'm');
    const start = sim.clock;
    await sim.settle();
    // The burst at once (and what a round or two since brought back), the rest refused once.
    const held = (await m.node.stats()).entities;
    expect(held).toBeGreaterThanOrEqual(20);
    expect(held).toBeLessThan(30);
    const first = m.security.stats();
    expect(first.rejected['entity-limit']).toBe(20);
    expect(first.checked).toBe(held);

    // Each is set aside until its turn as the bucket refills (one every two seconds), not until the
    // end of the hold-back: the rounds bring them as they may pass, none refused or checked twice.
    await sim.advance(20 * 2_000 + 2 * ROUND_MS);
    await sim.settle();
    expect((await m.node.stats()).entities).toBe(40);
    expect(m.security.stats().rejected['entity-limit']).toBe(20);
    expect(m.security.stats().checked).toBe(40);
    expect(sim.clock - start).toBeLessThan(HOLD_BACK_MS);
  });
});
