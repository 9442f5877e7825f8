/**
 * `keys` frames carry no key the receiving peer is known to hold (docs/security.md, "Keys on the
 * wire"; src/core/sync/peer-keys.ts): not its own nor the sender's (the hellos carried them), nor one
 * it sent the sender itself or was sent already; and an author's key goes on a link only just ahead
 * of a version by that author. Before, every newly vouched key went on every link: after a heal in
 * docs/benchmarks.md's scenario 8 most of them went back to the peer they had just come from, or to
 * peers no version of that author went to.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { decodeMessage, MessageType } from '../../../../src/core/sync';
import { decodeVersions } from '../../../../src/core/wire';
import { testIdentity } from '../../support/test-keys';
import { MeshSim } from './mesh-sim';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly key: string;
}

/** Every key each `keys` frame carried, in the order the frames were delivered. */
function recordKeys(sim: MeshSim): Sent[] {
  const sent: Sent[] = [];
  sim.net.options.tap = (from, to, frame) => {
    const m = decodeMessage(frame);
    if (m.type === MessageType.Keys) for (const k of m.keys) sent.push({ from, to, key: hex(k) });
  };
  return sent;
}

/** Keys sent to a peer that held them: its own, the sender's, or one the peer had sent the sender. */
function redundant(sent: readonly Sent[]): string[] {
  const out: string[] = [];
  sent.forEach((s, i) => {
    const why =
      s.key === hex(testIdentity(s.to).publicKey)
        ? 'its own'
        : s.key === hex(testIdentity(s.from).publicKey)
          ? "the sender's"
          : sent.slice(0, i).some((e) => e.from === s.to && e.to === s.from && e.key === s.key)
            ? 'one it had sent'
            : undefined;
    if (why !== undefined) out.push(`${s.from} → ${s.to}: ${why}`);
  });
  return out;
}

describe('keys on the wire', () => {
  it('sends a peer no key it holds, and the relayed author still verifies everywhere', async () => {
    const sim = new MeshSim({ seed: 21 });
    const sent = recordKeys(sim);
    for (const id of ['a', 'b', 'c', 'd']) await sim.add(id);
    // A line a – b – c – d: c and d learn a's key only by `keys` frames, then vouch for it.
    sim.link('a', 'b');
    sim.link('b', 'c');
    sim.link('c', 'd');
    await sim.settle();
    await sim.get('a').node.create({ id: 't1', components: { position: { lat: 1, lon: 2 } } });
    await sim.settle();

    for (const id of ['b', 'c', 'd']) {
      expect((await sim.get(id).node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
    }
    // a's key reached d, two hops away, by a `keys` frame.
    expect(sent.some((s) => s.to === 'd' && s.key === hex(testIdentity('a').publicKey))).toBe(true);
    expect(redundant(sent)).toEqual([]);
  });

  it("sends an author's key on a link only just ahead of that author's first version there", async () => {
    const sim = new MeshSim({ seed: 23 });
    for (const id of ['a', 'b', 'c']) await sim.add(id);
    sim.link('a', 'b');
    await sim.settle();
    // b vouches for a (a direct peer) but a has written nothing: c, linking to b, needs no key of a's yet.
    const frames: { from: NodeId; to: NodeId; type: string; keys: string[]; entities: string[] }[] = [];
    sim.net.options.tap = (from, to, frame) => {
      const m = decodeMessage(frame);
      frames.push({
        from,
        to,
        type: m.type,
        keys: m.type === MessageType.Keys ? m.keys.map(hex) : [],
        entities:
          m.type === MessageType.Versions && m.batch.length > 0 ? decodeVersions(m.batch).map((v) => v.entity) : [],
      });
    };
    sim.link('b', 'c');
    await sim.settle();
    const aKey = hex(testIdentity('a').publicKey);
    const bToC = (): typeof frames => frames.filter((f) => f.from === 'b' && f.to === 'c');
    expect(bToC().some((f) => f.keys.includes(aKey))).toBe(false);

    await sim.get('a').node.create({ id: 't1', components: { position: { lat: 1, lon: 2 } } });
    await sim.settle();
    expect((await sim.get('c').node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
    // Now a's key went to c once, in the `keys` frame right before the versions frame with a's write.
    const sent = bToC();
    const keyAt = sent.findIndex((f) => f.keys.includes(aKey));
    expect(sent.filter((f) => f.keys.includes(aKey))).toHaveLength(1);
    expect(sent.findIndex((f) => f.entities.includes('t1'))).toBe(keyAt + 1);
  });

  it('sends no key on an idle link, however long it stays open', async () => {
    // Before, every link got the 256 most recently used vouched keys again every 30 s, unfiltered:
    // up to 8 KiB a link a period on a link nothing else crossed (a 64 kbit/s hop: 1 s of it).
    const sim = new MeshSim({ seed: 24 });
    for (const id of ['a', 'b', 'c']) await sim.add(id);
    sim.link('a', 'b');
    sim.link('b', 'c');
    await sim.settle();
    await sim.get('a').node.create({ id: 't1', components: { position: { lat: 1, lon: 2 } } });
    await sim.settle();
    expect((await sim.get('c').node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
    let keysBytes = 0;
    let rounds = 0;
    sim.net.options.tap = (_from, _to, frame) => {
      const m = decodeMessage(frame);
      if (m.type === MessageType.Keys) keysBytes += frame.length;
      if (m.type === MessageType.Reconcile) rounds += 1;
    };
    // Five periods of the old resend, the links kept open (pings) and reconciled (rounds).
    await sim.advance(5 * 30_000 + 1_000);
    expect(rounds).toBeGreaterThan(0);
    expect(sim.get('b').mesh.peers()).toHaveLength(2);
    expect(keysBytes).toBe(0);
  });

  it("a `keys` frame that does not arrive costs the author's version one round, not the link", async () => {
    // The periodic resend was the safety net for this (a lossy test network, a shaped link that
    // drops); now the next round finds the peer lacking the version, and its author's key goes again.
    const sim = new MeshSim({ seed: 25 });
    for (const id of ['a', 'b', 'c']) await sim.add(id);
    sim.link('a', 'b');
    sim.link('b', 'c');
    await sim.settle();
    const aKey = hex(testIdentity('a').publicKey);
    let spoiled = 0;
    let again = 0;
    sim.net.options.tap = (from, to, frame) => {
      const m = decodeMessage(frame);
      if (m.type !== MessageType.Keys || from !== 'b' || to !== 'c' || !m.keys.map(hex).includes(aKey)) return;
      if (spoiled === 0) {
        // Lost on the way: c gets another (made-up) key in its place, filed under its own hash.
        frame.fill(0x5a, frame.length - 32);
        spoiled += 1;
      } else again += 1;
    };
    await sim.get('a').node.create({ id: 't1', components: { position: { lat: 1, lon: 2 } } });
    await sim.settle();
    expect(spoiled).toBe(1);
    expect(await sim.get('c').node.get('t1')).toBeUndefined();
    expect(sim.get('c').mesh.securityStats().rejected['unknown-author']).toBeGreaterThan(0);
    // The next round between b and c carries a's key again, ahead of the version c lacks.
    sim.get('b').mesh.syncNow();
    sim.get('c').mesh.syncNow();
    await sim.settle();
    expect(again).toBe(1);
    expect((await sim.get('c').node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
  });
});
