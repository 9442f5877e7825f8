/**
 * Versions refused for the new-register limit through anti-entropy (docs/security.md, "The
 * hold-back"): set aside, not fetched nor checked again at every round while their author's bucket
 * refills, then taken at the first round after the hold-back.
 */
import { describe, expect, it } from 'vitest';
import { MeshSim } from '../node/mesh/mesh-sim';

const HOLD_BACK_MS = 60_000;
const ROUND_MS = 5_000;

describe('attack suite: versions over the new-register limit through anti-entropy', () => {
  it('are set aside for the hold-back, not fetched again each round, and pass once the bucket refilled', async () => {
    const sim = new MeshSim({
      seed: 7,
      session: { syncIntervalMs: ROUND_MS, unappliedRetryMs: HOLD_BACK_MS },
      // 20 new registers at once, then one every two seconds: the 20 refused fit after the hold-back.
      registerLimits: { burst: 20, ratePerSecond: 0.5, maxAuthors: 4096 },
    });
    const a = await sim.add('a');
    const m = await sim.add('m');
    for (let i = 0; i < 40; i++) await a.node.create({ id: `t${i}`, components: { position: { lat: 1, lon: i } } });
    sim.link('a', 'm');
    sim.settle();
    expect((await m.node.stats()).entities).toBe(20);
    const first = m.security.stats();
    expect(first.rejected['entity-limit']).toBe(20);
    expect(first.checked).toBe(20);

    // Ten rounds within the hold-back: the twenty are neither fetched nor refused nor checked again.
    sim.advance(HOLD_BACK_MS - 2 * ROUND_MS);
    const during = m.security.stats();
    expect(during.rejected['entity-limit']).toBe(20);
    expect(during.checked).toBe(20);
    expect((await m.node.stats()).entities).toBe(20);

    // After it, the bucket is full again (20): the next round takes them all.
    sim.advance(4 * ROUND_MS);
    sim.settle();
    expect((await m.node.stats()).entities).toBe(40);
    expect(m.security.stats().rejected['entity-limit']).toBe(20);
    expect(m.security.stats().checked).toBe(40);
  });
});
