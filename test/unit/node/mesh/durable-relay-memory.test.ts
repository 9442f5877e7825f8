import { describe, expect, it } from 'vitest';
import { MeshSim } from './mesh-sim';

/**
 * Review finding (fbba95c, MeshNode.whenDurable): every merged batch whose commit fails leaves a
 * wait on LatticeNode.durable() that holds the batch's versions until a retry lands. While the
 * storage stays full, nothing lands: a peer's stream of updates to one track, each superseding the
 * last (the store and the write-behind keep one head), is held whole, one wait per batch. The
 * memory grows with the outage and the peers' write rate, not with what the store holds.
 */
describe('a node whose commits keep failing', () => {
  it('does not hold one wait, with its versions, per superseded batch merged meanwhile', async () => {
    const sim = new MeshSim({ seed: 41 });
    const a = await sim.add('a');
    const b = await sim.add('b');
    sim.link('a', 'b');
    await sim.settle();
    await a.node.create({ id: 'x', components: { position: { lat: 1, lon: 1 } } });
    await sim.advance(100);
    b.storage.hold();
    // 100 updates of one track, each merged by b in a batch of its own.
    for (let i = 0; i < 100; i++) {
      await a.node.update('x', { position: { lat: 1 + i * 1e-4, lon: 1 } });
      await sim.advance(20);
    }
    // The disk is full: every commit fails, the retries too (the write-behind backs off on a real timer).
    for (let failed = 0; failed < 3;) {
      const held = b.storage.held!.splice(0);
      for (const c of held) c.fail(new Error('disk full'));
      failed += held.length;
      if (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await sim.advance(1);
    }
    const writer = (b.node as unknown as { parts: { writer: { eventualWaiters?: unknown[] } } }).parts.writer;
    // One head of x is stored; what waits to serve it should not scale with the 100 batches.
    expect(writer.eventualWaiters?.length ?? 0).toBeLessThan(10);
    b.storage.release();
  });
});
