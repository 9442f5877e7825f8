/**
 * Attack suite (issue 12): the link handshake against a real node 'm' through scripted links
 * (attack-scene.ts). A peer replaying another node's hello cannot sign the node's fresh nonce, so
 * the link is never bound to that id and nothing it sends is taken; admission refuses before any
 * data flows, with its reason, counted. The node's own proof verifies under its key.
 */
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { linkProofBytes } from '../../../src/core/signing/link-proof';
import { encodeToken } from '../../../src/core/roster/invitation-token';
import { MessageType, REFUSAL_LINGER_MS } from '../../../src/core/sync';
import { Harness, versionsFrame } from '../node/mesh/scripted-peers';
import { signedProof, testIdentity } from '../support/test-keys';
import { note, scene } from './attack-scene';

const byeOf = (msgs: readonly { type: string }[]): string | undefined =>
  (msgs.find((m) => m.type === MessageType.Bye) as { reason: string } | undefined)?.reason;

describe('attack suite: the link handshake (issue 12)', () => {
  it('a replayed hello (alice’s real key and id) fails the proof: the link is refused, nothing it sends is taken', async () => {
    const s = await scene();
    s.h.mesh.disconnect('a' as NodeId); // alice is away; mallory claims her id with her public hello
    s.h.tick();
    const impostor = s.h.peer('a');
    impostor.helloOnly();
    impostor.prove(undefined, 'x'); // mallory's own key: the only one she holds
    impostor.send(versionsFrame([note('n1', 'a', s.h.clock, 'forged by the link')], true));
    s.h.tick();
    expect(impostor.closedWith).toBe('proof of key possession failed');
    expect(byeOf(impostor.msgs())).toBe('proof of key possession failed');
    expect(s.h.mesh.securityStats().badProofs).toBe(1);
    expect(await s.h.node.list()).toEqual([]);
    expect(s.honest.versionsOut()).toEqual([]);
    expect(s.h.logs.some((l) => /handshake proof does not verify/.test(l))).toBe(true);
    // The node never went past the proof with it: no keys, no round, no pong.
    expect(impostor.msgs().map((m) => m.type)).toEqual(['hello', 'proof', 'bye']);
  });

  it('a proof recorded on one link and replayed on the next fails (the node’s nonce is fresh per link)', async () => {
    const h = await Harness.create('m');
    const alice = h.peer('a');
    alice.hello();
    h.tick();
    // alice's link works: past the handshake the node pings (it sends no `keys`: alice holds both keys it vouches for)
    expect(alice.msgs().some((m) => m.type === MessageType.Ping)).toBe(true);
    // Mallory recorded alice's proof for this link, made over the node's first nonce.
    const first = alice.nodeHello().nonce;
    h.mesh.disconnect('a' as NodeId);
    const replay = h.peer('a');
    expect(replay.nodeHello().nonce).not.toEqual(first);
    replay.helloOnly();
    replay.send(
      signedProof('a', {
        lattice: 'test',
        challenge: first,
        nonce: replay.nonce,
        prover: 'a' as NodeId,
        verifier: 'm' as NodeId,
      }),
    );
    h.tick();
    expect(replay.closedWith).toBe('proof of key possession failed');
    expect(h.mesh.securityStats().badProofs).toBe(1);
  });

  it('the node’s own proof signs the peer’s nonce and its own with its key, and carries its invitation to its inviter only', async () => {
    // A bearer token: it goes on the link to the member that issued it, never to another peer.
    const token = encodeToken({
      lattice: 'test',
      inviter: 'a' as NodeId,
      expiresAt: 2_000_000_000_000,
      nonce: 'A'.repeat(22),
    });
    const h = await Harness.create('m', { invitation: token });
    const other = h.peer('b');
    other.hello();
    const toOther = other.msgs().find((m) => m.type === MessageType.Proof);
    expect(toOther?.type === MessageType.Proof && toOther.invitation).toBe(undefined);
    const peer = h.peer('a');
    peer.hello();
    const mine = peer.msgs().find((m) => m.type === MessageType.Proof);
    expect(mine?.type).toBe(MessageType.Proof);
    if (mine?.type !== MessageType.Proof) return;
    expect(mine.invitation).toBe(token);
    const bytes = linkProofBytes({
      lattice: 'test',
      challenge: peer.nonce,
      nonce: peer.nodeHello().nonce,
      prover: 'm' as NodeId,
      verifier: 'a' as NodeId,
      invitation: token,
    });
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(testIdentity('m').publicKey).toString('base64url') },
      format: 'jwk',
    });
    expect(verify(null, bytes, key, mine.sig)).toBe(true);
    expect(() => h.mesh.setInvitation('not a token!')).toThrow(/invitation/);
  });

  it('admission refuses before any data flows, with its reason sent to the refused side, and counts it', async () => {
    const seen: [NodeId, string | undefined][] = [];
    const h = await Harness.create('m', {
      // Answers later, as a roster lookup would: frames wait meanwhile.
      admit: async (peer, invitation) => {
        seen.push([peer, invitation]);
        await Promise.resolve();
        return invitation === 'good' ? { ok: true } : { ok: false, reason: 'no invitation for test' };
      },
    });
    const stranger = h.peer('s');
    stranger.hello();
    stranger.send(versionsFrame([note('n1', 's', h.clock, 'while waiting')], true));
    await new Promise((r) => setTimeout(r, 0));
    h.tick();
    expect(byeOf(stranger.msgs())).toBe('not admitted: no invitation for test');
    // The refuser leaves the close to the refused side, for REFUSAL_LINGER_MS at most; this one
    // never closes (docs/security.md, "A removed device").
    expect(stranger.closedWith).toBeUndefined();
    h.tick(REFUSAL_LINGER_MS);
    expect(stranger.closedWith).toBe('not admitted: no invitation for test');
    expect(stranger.msgs().map((m) => m.type)).toEqual(['hello', 'proof', 'bye']);
    expect(await h.node.list()).toEqual([]);

    const invited = h.peer('i');
    invited.hello(0, 'good');
    await new Promise((r) => setTimeout(r, 0));
    h.tick();
    expect(invited.closedWith).toBeUndefined();
    // Its session began (its first ping; `keys` now go only ahead of versions, docs/security.md).
    expect(invited.msgs().some((m) => m.type === MessageType.Ping)).toBe(true);
    expect(seen).toEqual([
      ['s', undefined],
      ['i', 'good'],
    ]);
    const stats = h.mesh.securityStats();
    expect(stats.notAdmitted).toBe(1);
    expect(stats.badProofs).toBe(0);
  });

  it('an admission hook that throws refuses (never admits by accident)', async () => {
    const h = await Harness.create('m', {
      admit: () => {
        throw new Error('roster not loaded');
      },
    });
    const p = h.peer('a');
    p.hello();
    h.tick(REFUSAL_LINGER_MS);
    expect(p.closedWith).toBe('not admitted: admission failed');
    expect(h.mesh.securityStats().notAdmitted).toBe(1);
  });
});
