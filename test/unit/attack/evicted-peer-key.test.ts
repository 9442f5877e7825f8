/**
 * A key a peer sent us counted as held by it for the whole link (docs/security.md, "Keys on the
 * wire"; src/core/sync/peer-keys.ts), though its ring is bounded (MAX_KNOWN_KEYS, least recently
 * used first) and 4,096 made-up keys push the author's key out. The author's next version then went
 * to that peer without its key, was refused there as `unknown-author`, and every round after asked
 * for it again in vain until a periodic resend (the most recently used keys only, since dropped)
 * carried the key. Now a peer lacking a version (it wants it, or a round finds it lacks it) has the
 * author's key sent again ahead of it, at most once per KEY_AGAIN_MS per key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { decodeMessage, MessageType, versionId } from '../../../src/core/sync';
import { MAX_KNOWN_KEYS } from '../../../src/node/security/version-verifier';
import { KEY_AGAIN_MS } from '../../../src/core/sync/limits';
import { MeshSim } from '../node/mesh/mesh-sim';
import { Harness, versionsFrame } from '../node/mesh/scripted-peers';
import { testIdentity } from '../support/test-keys';
import { note } from './attack-scene';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (evicted peer key): seed ${seed} (replay with SEED=${seed})`);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe("attack: a peer's ring evicts a relayed author's key it had sent us", () => {
  it("the author's next version reaches that peer at the next round", async () => {
    const sim = new MeshSim({ seed });
    for (const id of ['w', 'p', 'x']) await sim.add(id);
    const wKey = hex(testIdentity('w').publicKey);
    const xKey = hex(testIdentity('x').publicKey);
    // Every key x sends p.
    const toP: { at: number; keys: string[] }[] = [];
    sim.net.options.tap = (from, to, frame) => {
      const m = decodeMessage(frame);
      if (m.type !== MessageType.Keys || from !== 'x' || to !== 'p') return;
      toP.push({ at: sim.clock, keys: m.keys.map(hex) });
    };

    // p learns w's key at w's hello and sends it to x ahead of w's first write: x counts it as held by p.
    sim.link('w', 'p');
    sim.link('p', 'x');
    await sim.settle();
    await sim.get('w').node.create({ id: 't0', components: { position: { lat: 0, lon: 0 } } });
    await sim.settle();
    expect(await sim.get('x').node.get('t0')).toBeDefined();
    // w moves to x: x vouches for w now, and sends its key to no link that holds it, p included.
    sim.unlink('w', 'p');
    sim.link('w', 'x');
    await sim.settle();
    const start = sim.clock;

    // A hostile peer of p's sends it MAX_KNOWN_KEYS made-up keys: filed, least recently used out.
    const p = sim.get('p');
    let filed = false;
    p.security.learnKeys(
      Array.from({ length: MAX_KNOWN_KEYS }, () => new Uint8Array(randomBytes(32))),
      () => (filed = true),
    );
    expect(filed).toBe(true);
    expect(p.security.keys.keyOf('w' as NodeId)).toBeUndefined();

    // w writes; x relays it live to p, which refuses it: it has no key for w.
    await sim.get('w').node.create({ id: 't1', components: { position: { lat: 1, lon: 2 } } });
    await sim.advance(1_000);
    expect((await sim.get('x').node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
    expect(p.mesh.securityStats().rejected['unknown-author']).toBeGreaterThan(0);
    expect(await p.node.get('t1')).toBeUndefined();

    // The next round between them finds p lacking it: w's key goes ahead of it.
    p.mesh.syncNow();
    sim.get('x').mesh.syncNow();
    await sim.advance(2_000);
    expect((await p.node.get('t1'))?.components.position).toEqual({ lat: 1, lon: 2 });
    // ... by a `keys` frame of w's key alone (x's own, which p holds from x's hello, never goes).
    const again = toP.filter((s) => s.at >= start && s.keys.includes(wKey));
    expect(again.length).toBeGreaterThan(0);
    expect(toP.every((s) => !s.keys.includes(xKey))).toBe(true);
  }, 60_000);

  it('a peer claiming to lack versions again and again draws each key back at most once per KEY_AGAIN_MS', async () => {
    const h = await Harness.create('m');
    const w = h.peer('w');
    w.hello();
    const p = h.peer('p');
    p.hello();
    h.tick();
    const wKey = hex(testIdentity('w').publicKey);
    // p sends w's key: m counts it as held by p.
    p.send({ type: MessageType.Keys, keys: [testIdentity('w').publicKey] });
    h.tick();
    // w writes 10 notes; m merges them and relays them to p (without w's key: p holds it).
    const notes: Version[] = Array.from({ length: 10 }, (_, i) => note(`n${i}`, 'w', h.clock - 1_000 + i, `note ${i}`));
    for (const v of notes) w.send(versionsFrame([v], true));
    await h.landed();
    p.reset();
    // Keys of w's that m sent p.
    const keysOfW = (): number =>
      p
        .msgs()
        .flatMap((m) => (m.type === MessageType.Keys ? m.keys.map(hex) : []))
        .filter((k) => k === wKey).length;
    const ids = notes.map(versionId);
    let request = 1;
    const want = (id: Uint8Array): void => {
      p.send({ type: MessageType.Want, request: request++, graft: false, ids: [id] });
      h.tick();
    };
    // p asks for five of them, one `want` each (as if it refused each as `unknown-author`).
    for (const id of ids.slice(0, 5)) want(id);
    expect(p.versionsOut().length).toBe(5);
    expect(keysOfW()).toBe(1);
    // The key went ahead of the first version it was sent again for.
    const msgs = p.msgs();
    const keyAt = msgs.findIndex((m) => m.type === MessageType.Keys && m.keys.map(hex).includes(wKey));
    expect(keyAt).toBeLessThan(msgs.findIndex((m) => m.type === MessageType.Versions && m.batch.length > 0));
    // Once KEY_AGAIN_MS has passed, one more, no more.
    // (p pings meanwhile, as a live peer does: a silent one would be dropped.)
    for (let t = 0; t < KEY_AGAIN_MS; t += 1_000) {
      p.send({ type: MessageType.Ping, time: h.clock });
      h.tick(1_000);
    }
    for (const id of ids.slice(5)) want(id);
    expect(p.versionsOut().length).toBe(10);
    expect(keysOfW()).toBe(2);
  });
});
