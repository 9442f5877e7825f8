/**
 * Hostile-peer attacks on the key ring and on what verification costs: sybil authors filling the
 * ring, and versions by made-up authors. Both once worked (a new peer locked out for good; one
 * Ed25519 check per junk version); these pin the bounds that hold now.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { encodeMessage, MessageType } from '../../../src/core/sync';
import { encodeVersions } from '../../../src/core/wire';
import { MAX_KNOWN_KEYS } from '../../../src/node/security/version-verifier';
import { T0, versionsFrame, type Harness } from '../node/mesh/scripted-peers';
import { note, scene } from './attack-scene';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`attack suite (key flood): seed ${seed} (replay with SEED=${seed})`);
const rand = mulberry32(seed);
const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

/** Counts the Ed25519 verifications the node's verifier really makes. */
function countVerifies(h: Harness): () => number {
  const crypto = (
    h.mesh as unknown as { options: { security: { verifier: { crypto: { verify: (...a: unknown[]) => unknown } } } } }
  ).options.security.verifier.crypto;
  const original = crypto.verify.bind(crypto);
  let n = 0;
  crypto.verify = (...a: unknown[]) => {
    n++;
    return original(...a);
  };
  return () => n;
}

describe('attack: the key ring and verification costs a hostile peer controls', () => {
  it('sybil authors filling the key ring with vouched keys do not lock a new honest peer out, nor flood every link with keys', async () => {
    const { h, mallory, honest } = await scene();
    // Mallory mints MAX_KNOWN_KEYS + 4 key pairs and sends one signed note by each (the scripted
    // peer sends each author's key in a `keys` frame ahead of its version). Each verifies, so each
    // author is vouched for: never evicted, kept in storage meta, spread on every link.
    const n = MAX_KNOWN_KEYS + 4;
    for (let i = 0; i < n; i += 250) {
      const batch: Version[] = [];
      for (let j = i; j < Math.min(n, i + 250); j++) batch.push(note(`s${j}`, `s${j}`, T0 - 1000, 'x'));
      mallory.send(versionsFrame(batch, true));
      h.tick();
    }
    const stats = h.mesh.securityStats();
    // The ring stays at its bound: least recently used keys go, pinned ones (ours, linked peers') stay.
    expect(stats.keys).toBe(MAX_KNOWN_KEYS);
    expect(stats.vouched).toBeLessThanOrEqual(MAX_KNOWN_KEYS);
    // Every key evicted at the bound is counted (docs/security.md, "Every limit, in one table").
    expect(stats.limitsHit.knownKeys).toBeGreaterThanOrEqual(4);
    expect(stats.limitsHit.knownKeys).toBeLessThanOrEqual(n);
    const lockedBefore = stats.rejected['unknown-author'];

    // A new, honest node connects and writes: its hello key is pinned while its link is open, so
    // its own signed write verifies and is merged.
    const newcomer = h.peer('n');
    newcomer.hello();
    h.tick();
    newcomer.send(versionsFrame([note('mine', 'n', T0 - 500, 'hello from n')], true));
    h.tick();
    // No sybil's key goes to the honest peer: a key goes on a link only ahead of a version by its
    // author (docs/security.md, "Keys on the wire"). Before, every link got the 256 most recently
    // used vouched keys (the sybils' here) again every 30 s: 8 KiB a link a period. Two periods,
    // the honest link kept alive by its pings.
    honest.reset();
    for (let t = 0; t < 61_000; t += 1_000) {
      honest.send({ type: MessageType.Ping, time: h.clock });
      h.tick(1_000);
    }
    expect(h.mesh.peers().some((p) => p.peer === 'h')).toBe(true);
    const keysOut = honest.msgs().flatMap((m) => (m.type === MessageType.Keys ? m.keys : []));
    expect(keysOut.length).toBe(0);
    expect(h.mesh.securityStats().rejected['unknown-author']).toBe(lockedBefore);
    expect(await h.node.get('mine')).toBeDefined();
  }, 60_000);

  it('versions by unknown authors cost no Ed25519 check, however often they are replayed', async () => {
    const { h, mallory } = await scene();
    const verifies = countVerifies(h);
    // One frame of 500 versions, each by a made-up author nobody has a key for, with a random
    // 64-byte signature, sent 20 times. Refused as 'unknown-author' without any signature check.
    // Not charged to the link on purpose: an honest peer may hold a verified author's versions
    // whose key it has since evicted (the ring is bounded), and serve them in anti-entropy.
    const junk = Array.from({ length: 500 }, (_, i) => ({
      ...note(`j${i}`, `u${i}`, T0 - 1000, 'x'),
      sig: randomBytes(64),
    }));
    const frame = encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(junk) });
    for (let k = 0; k < 20; k++) {
      mallory.handler.receive(frame);
      h.tick();
    }
    expect(verifies()).toBe(0);
    expect(h.mesh.securityStats().rejected['unknown-author']).toBeGreaterThanOrEqual(500);
    expect(await h.node.get('j0')).toBeUndefined();
  }, 60_000);
});
