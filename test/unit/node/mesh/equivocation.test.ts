/**
 * Issue 8: two versions under one timestamp (a peer that equivocated, a relay that rewrote a value
 * in transit) must never pass for one, so reconciliation never reports "synced" over different data.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../../src/adapters/memory-storage';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { collide, murmurId } from '../../support/murmur-collide';
import { signNow, testIdentity } from '../../support/test-keys';
import { MeshSim } from './mesh-sim';

function equivocation(ms: number): [Version, Version] {
  const base = {
    entity: 'x' as EntityId,
    kind: 'note' as ComponentKind,
    ts: { ms, c: 0, node: 'z' as NodeId },
    seen: [],
  };
  // Both signed by z: an equivocation, not a forgery.
  return [
    signNow(testIdentity('z'), { ...base, value: { text: 'left' } }),
    signNow(testIdentity('z'), { ...base, value: { text: 'right' } }),
  ];
}

describe('equivocating versions', () => {
  it('two nodes each holding one content under the same timestamp reconcile to the same one', async () => {
    const sim = new MeshSim({ seed: 8 });
    const a = await sim.add('a');
    const b = await sim.add('b');
    const [left, right] = equivocation(sim.clock - 1_000);
    expect(a.node.applyRemote([left])).toEqual([left]);
    expect(b.node.applyRemote([right])).toEqual([right]);
    // z's key, as the roster would give it.
    for (const n of [a, b]) await n.security.trust(testIdentity('z').publicKey);
    sim.link('a', 'b');
    await sim.settle();
    const dumpA = await sim.dump('a');
    expect(await sim.dump('b')).toEqual(dumpA);
    // Every replica keeps the same one of the two, whichever it had first.
    const kept = (await a.node.heads('x', 'note')).map((h) => h.value);
    expect(kept).toEqual([{ text: 'left' }]);
    expect((await b.node.heads('x', 'note')).map((h) => h.value)).toEqual(kept);
  });

  it('a relay rewriting a value in transit does not shadow the real one arriving second', async () => {
    const sim = new MeshSim({ seed: 9 });
    const a = await sim.add('a');
    const [real, forged] = equivocation(sim.clock - 1_000).reverse() as [Version, Version];
    // The forged copy ('left' sorts first) came first; the real one is not taken for its duplicate.
    a.node.applyRemote([forged]);
    expect(a.node.applyRemote([real])).toEqual([]);
    expect((await a.node.stats()).writes).toMatchObject({ remote: 1, duplicate: 0, obsolete: 1 });
    // In the other order the real one is replaced: storage holds exactly the one kept.
    const b = await sim.add('b');
    b.node.applyRemote([real]);
    expect(b.node.applyRemote([forged])).toEqual([forged]);
    await b.node.flushed();
    const stored = await new MemoryStorage({ backing: b.backing }).loadVersions();
    expect(stored.map((v) => v.value)).toEqual([{ text: 'left' }]);
  });

  it('two contents whose ids a non-cryptographic hash made equal are still told apart and reconciled', async () => {
    // z signs one timestamp twice: an honest-looking order, and a second content crafted to have
    // the first one's MurmurHash3 id (the reconciliation id until sync protocol 9). With equal ids
    // the lazy push, wants and reconciliation all took the two for one: a and b each kept their
    // own content and every link said "synced" (version-id.ts).
    const sim = new MeshSim({ seed: 10 });
    const a = await sim.add('a');
    const b = await sim.add('b');
    const order = {
      entity: 'x' as EntityId,
      kind: 'note' as ComponentKind,
      ts: { ms: sim.clock - 1_000, c: 0, node: 'z' as NodeId },
      seen: [],
      value: { text: 'hold position, do not engage the convoy until ordered' },
    };
    const real = signNow(testIdentity('z'), order);
    const forged = signNow(testIdentity('z'), collide(order, 'ENGAGE'));
    expect(murmurId(forged)).toBe(murmurId(real));
    expect(a.node.applyRemote([real])).toEqual([real]);
    expect(b.node.applyRemote([forged])).toEqual([forged]);
    for (const n of [a, b]) await n.security.trust(testIdentity('z').publicKey);
    sim.link('a', 'b');
    await sim.settle();
    expect(await sim.dump('b')).toEqual(await sim.dump('a'));
    const kept = (await a.node.heads('x', 'note')).map((h) => h.value);
    expect((await b.node.heads('x', 'note')).map((h) => h.value)).toEqual(kept);
  });
});
