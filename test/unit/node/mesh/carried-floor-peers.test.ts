/**
 * Issue 8 ("zero divergence"): an expiry the node writes carries the floor it replaced
 * (docs/architecture.md, "Expiry"), and a peer's expiry whose context covers it without its writer
 * having received it (a rest marker: every write at or before its time, of any author) supersedes it
 * before the node has announced it. The node keeps that carried floor (no expiry takes one away);
 * its peers learn it only from the expiry that carried it. Dropped as superseded, that expiry was
 * never announced nor served (LocalWrites.announce sends only what the store still keeps), so the
 * node hid, for as long as the peer's deadline, the versions under that floor which its peers,
 * holding the same versions, showed: whether its commit landed, or failed while the bulk commit
 * storing the entity's meta (with the carried floor) landed and the node crashed before the retry.
 * Now a superseded expiry whose floor no version weighed after it carries is kept as evidence
 * (core/store/evidence.ts): stored in its entity's meta, announced and served.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { EXPIRY } from '../../../../src/core/store/expiry-floor';
import { signNow, testIdentity } from '../../support/test-keys';
import { MeshSim, type SimNode } from './mesh-sim';

const X = 'x' as EntityId;

/** What a node shows of x, its heads of every kind, and every version it keeps and serves. */
async function pictureOf(n: SimNode): Promise<string> {
  const view = await n.node.get(X);
  const kinds = ['speed', 'threat', 'approval', EXPIRY] as ComponentKind[];
  const heads = kinds.map((k) => [k, n.node.headsOf(X, k).map((h) => `${h.ts.ms}.${h.ts.c}.${h.ts.node}`)]);
  const kept = [...n.node.versions()].map((v) => `${v.kind} ${v.ts.ms}.${v.ts.c}.${v.ts.node}`).sort();
  return JSON.stringify({ components: view === undefined ? null : Object.keys(view.components).sort(), heads, kept });
}

/**
 * p1's speed of x, then a's HIGH threat with an expiry 100 ms ahead, reach a and b, b offline (it
 * never fires that expiry). Past the deadline a writes x again, HIGH with a new expiry, which
 * carries the floor its first one fired, its commit held; p2's expiry, whose rest marker covers a's
 * write, reaches both while that commit is held. Then a and b are linked.
 */
async function window(seed: number): Promise<{ sim: MeshSim; a: SimNode; b: SimNode }> {
  const sim = new MeshSim({ seed });
  const a = await sim.add('a');
  const b = await sim.add('b');
  for (const n of [a, b]) {
    for (const author of ['p1', 'p2']) await n.security.trust(testIdentity(author).publicKey);
  }
  sim.offline('b');
  const speed = signNow(testIdentity('p1'), {
    entity: X,
    kind: 'speed' as ComponentKind,
    value: { kts: 12 },
    ts: { ms: sim.clock - 10, c: 0, node: 'p1' as NodeId },
    seen: [],
  });
  for (const n of [a, b]) n.node.applyRemote([speed]);
  await a.node.update(X, { threat: { level: 'HIGH' }, [EXPIRY]: { at: sim.clock + 100 } });
  await a.node.durable();
  b.node.applyRemote(structuredClone([...a.node.versions()]));
  await sim.advance(200); // a fires its expiry: x is gone from its picture
  expect(await a.node.get(X)).toBeUndefined();
  expect(b.node.headsOf(X, 'speed' as ComponentKind)).toEqual([speed]); // b never purged
  a.storage.hold();
  const written = a.node.create({
    id: X,
    components: { threat: { level: 'HIGH' }, [EXPIRY]: { at: sim.clock + 500 } },
  });
  written.catch(() => undefined);
  await sim.advance(5);
  const carrier = a.node.headsOf(X, EXPIRY).find((h) => h.ts.node === a.id)!;
  expect((carrier.value as { floor?: number }).floor).toBeGreaterThan(speed.ts.ms);
  await sim.advance(5);
  const successor = signNow(testIdentity('p2'), {
    entity: X,
    kind: EXPIRY,
    value: { at: sim.clock + 600_000 },
    ts: { ms: sim.clock, c: 0, node: 'p2' as NodeId },
    // A rest marker at a's write: p2 claims every write of x's expiry up to it, a's included.
    seen: [{ ms: carrier.ts.ms, c: carrier.ts.c, node: 'p2' as NodeId }],
  });
  for (const n of [a, b]) n.node.applyRemote([successor]);
  await sim.advance(5);
  expect(a.node.headsOf(X, EXPIRY)).toEqual([successor]);
  return { sim, a, b };
}

describe('a carried floor whose expiry a peer superseded before the node announced it', () => {
  it('reaches the peers when the expiry’s commit lands: the pictures agree', async () => {
    const { sim, a, b } = await window(81);
    a.storage.release();
    sim.online('b');
    sim.link('a', 'b');
    await sim.settle();
    expect(await pictureOf(a)).toBe(await pictureOf(b));
    // The floor a's expiry carried reached b: p1's speed, written under it, is gone there too.
    expect(b.node.headsOf(X, 'speed' as ComponentKind)).toEqual([]);
  });

  it('reaches the peers when its commit fails, the bulk commit lands the meta, and the node crashes before the retry', async () => {
    const { sim, a, b } = await window(82);
    // Each priority commit fails; the bulk ones land, until one has stored x's meta with its floor.
    let metaLanded = false;
    while (!metaLanded) {
      for (const commit of a.storage.held!.splice(0)) {
        if (commit.batch.priority === true) commit.fail(new Error('disk error'));
        else {
          if (commit.batch.entityMeta?.some((m) => m.id === X && m.carried !== undefined) === true) metaLanded = true;
          commit.land();
        }
      }
      // The write-behind retries after its backoff (a real timer).
      if (!metaLanded) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await sim.advance(5);
    await sim.crash('a');
    sim.online('b');
    sim.link('a', 'b');
    await sim.settle();
    expect(await pictureOf(a)).toBe(await pictureOf(b));
    // The floor a's expiry carried reached b: p1's speed, written under it, is gone there too.
    expect(b.node.headsOf(X, 'speed' as ComponentKind)).toEqual([]);
  });
});
