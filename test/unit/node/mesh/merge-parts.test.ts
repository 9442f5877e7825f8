/**
 * A peer's large repair frame is merged in parts (core/sync/ingest-parts.ts), one task each: where
 * the host has a task of normal priority without the timer clamp (Scheduler.soon: the worker's
 * `scheduler.postTask`), the parts go through it, not through nested 0 ms timers, which browsers
 * clamp to 4 ms each from the fifth (docs/benchmarks.md, scenario 7). Real nodes over the
 * in-memory transport on a virtual clock. Replay with SEED=<seed>.
 */
import { describe, expect, it } from 'vitest';
import { INGEST_PART_VERSIONS } from '../../../../src/core/sync/ingest-parts';
import { MeshSim } from './mesh-sim';

const seed = Number(process.env.SEED ?? Date.now()) >>> 0;
console.log('merge-parts seed', seed);

describe('merging a large repair frame', () => {
  it('runs its parts as tasks of the host’s `soon` where it has one', async () => {
    const sim = new MeshSim({ seed });
    let soon = 0;
    Object.assign(sim.scheduler, {
      soon: (fn: () => void) => {
        soon += 1;
        sim.scheduler.after(0, fn);
      },
    });
    await sim.add('a');
    await sim.add('b');
    const items = Array.from({ length: 2_000 }, (_, i) => ({
      id: `t${i}`,
      components: { position: { lat: 50 + i * 1e-4, lon: 8 } },
    }));
    await sim.get('b').node.writeMany(items);
    sim.link('a', 'b');
    await sim.settle(60_000);
    expect(await sim.dump('a')).toBe(await sim.dump('b'));
    // 2,000 versions in frames of at most 64 KiB: at least one part of each frame but its first went by `soon`.
    expect(soon).toBeGreaterThanOrEqual(Math.floor(2_000 / INGEST_PART_VERSIONS) - 2);
  });
});
