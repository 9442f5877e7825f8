/**
 * Signed versions end to end with the worker's crypto: WebCrypto Ed25519 (Node's, the API the
 * worker uses in Chromium), real self-certifying ids (the hash of each key), and verification that
 * answers asynchronously, so each link holds the frames that come while a batch is checked and
 * takes them in order after it. Two real LatticeNode + MeshNode pairs over the in-memory network.
 */
import { describe, expect, it } from 'vitest';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import { createMemoryBacking, MemoryStorage } from '../../../../src/adapters/memory-storage';
import { MemoryNetwork } from '../../../../src/adapters/memory-transport';
import { MeshNode } from '../../../../src/node/mesh';
import { MeshSecurity } from '../../../../src/node/security/mesh-security';
import { testIdentity } from '../../support/test-keys';
import { openTestNode } from '../../support/test-node';

const T0 = 1_700_000_000_000;

async function open(name: string) {
  const me = testIdentity(name);
  let n = 0;
  const now = (): number => T0;
  const node = await openTestNode({
    identity: me,
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    now,
    newId: () => `${name}-${n++}`,
    scheduleChanges: (fn) => fn(),
  });
  const security = await MeshSecurity.create({
    self: me.id,
    publicKey: me.publicKey,
    crypto: webCryptoVerifier(),
    // The test key signs through a promise, as WebCrypto does: the handshake waits for it.
    signer: me.signer,
    randomBytes: (k) => crypto.getRandomValues(new Uint8Array(k)),
    now,
  });
  const mesh = new MeshNode({ node, security, now });
  return { id: me.id, node, mesh, security };
}

/** Delivers frames and lets the asynchronous checks settle until `done` or the rounds run out. */
async function run(net: MemoryNetwork, done: () => boolean): Promise<void> {
  for (let round = 0; round < 400 && !done(); round++) {
    net.deliver();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('signed versions with WebCrypto', () => {
  it('a node’s writes reach a peer verified, through a relay, in order, whatever came while a batch was checked', async () => {
    const a = await open('wc-a');
    const b = await open('wc-b');
    const c = await open('wc-c');
    const net = new MemoryNetwork({ seed: 1 });
    // a–b–c: c has no link to a, and learns a's key from b.
    net.connect({ id: a.id, accept: a.mesh.accept }, { id: b.id, accept: b.mesh.accept });
    net.connect({ id: b.id, accept: b.mesh.accept }, { id: c.id, accept: c.mesh.accept });
    await run(net, () => b.mesh.peers().length === 2 && b.mesh.peers().every((p) => p.state === 'synced'));
    for (let i = 0; i < 40; i++) await a.node.create({ components: { position: { lat: 50 + i / 100, lon: 8 } } });
    await run(net, () => [...c.node.versions()].length === 40);
    expect([...b.node.versions()].length).toBe(40);
    expect([...c.node.versions()].length).toBe(40);
    // Verified at c, each version holds its own path to its batch's signed root (forwardable alone).
    for (const v of c.node.versions()) expect(v.proof?.kind).toBe('path');
    for (const s of [b.security, c.security]) {
      const stats = s.stats();
      expect(Object.values(stats.rejected).every((n) => n === 0)).toBe(true);
      expect(stats.checked).toBeGreaterThanOrEqual(40);
    }
    expect(c.security.keys.keyOf(a.id)).toEqual(testIdentity('wc-a').publicKey);
    // Written together, 40 more writes share a handful of signatures: c checks each root once.
    const before = c.security.stats().checked;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => a.node.create({ components: { position: { lat: 40 + i / 100, lon: 8 } } })),
    );
    await run(net, () => [...c.node.versions()].length === 80);
    expect(c.security.stats().checked - before).toBeLessThan(10);
    for (const x of [a, b, c]) x.mesh.close();
  });
});
