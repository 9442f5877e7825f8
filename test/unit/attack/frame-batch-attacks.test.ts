/**
 * Frame batches (docs/security.md, "Frame batches") attacked through a real LatticeNode + MeshNode
 * ('m') and scripted links: alice ('a') sends frames of her own versions re-signed as one batch;
 * mallory ('x') replays them, re-signs them with her own key, moves a signature onto other
 * versions; alice herself signs two contents at one timestamp. Each frame is refused or taken with
 * its reason, and only what verified under its author's key is merged and relayed to the honest
 * peer ('h'), with the proof it came with.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { frameBatch } from '../../../src/core/signing/frame-batch';
import type { LeafProof } from '../../../src/core/signing/leaf-proof';
import { encodeMessage, MessageType } from '../../../src/core/sync';
import { encodeVersions } from '../../../src/core/wire';
import type { RejectReason } from '../../../src/node/security/version-verifier';
import type { NodeId } from '../../../src/core/ids';
import { syncSigner, testIdentity } from '../support/test-keys';
import { T0, type Harness, type Peer } from '../node/mesh/scripted-peers';
import { note, scene } from './attack-scene';

const rejected = (h: Harness): Record<RejectReason, number> => h.mesh.securityStats().rejected;
const invalidFrom = (h: Harness, peer: string): number =>
  h.mesh.peers().find((p) => p.peer === peer)?.invalidFrames ?? 0;

/** `versions` (all by `author`) under one frame batch signed by `signer`'s key. */
function framed(author: string, signer: string, versions: readonly Version[]): Version[] {
  const batch = frameBatch(author as NodeId, versions);
  return batch.signed(syncSigner(testIdentity(signer)).sign(batch.signingBytes) as Uint8Array);
}

/** One live frame exactly as given. */
function pushRaw(h: Harness, peer: Peer, versions: readonly Version[]): void {
  peer.handler.receive(
    encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(versions) }),
  );
  h.tick();
}

const notes = (author: string, from: number, n: number, text = 'v'): Version[] =>
  Array.from({ length: n }, (_, i) => note(`n${from + i}`, author, T0 - 5000 + from + i, `${text}${from + i}`));

describe('attack suite: frame batches', () => {
  it('alice’s frame batch is taken with one check, relayed under its proof; replayed by mallory it is only duplicates', async () => {
    const s = await scene();
    const frame = framed('a', 'a', notes('a', 0, 6));
    const checked = s.h.mesh.securityStats().checked;
    pushRaw(s.h, s.alice, frame);
    expect(s.h.mesh.securityStats().checked).toBe(checked + 1);
    await s.h.landed();
    const relayed = s.honest.versionsOut();
    expect(relayed.map((v) => v.entity).sort()).toEqual(frame.map((v) => v.entity).sort());
    // Relayed with alice's frame signature: m cannot sign alice's versions, and does not.
    const sig = (frame[0]!.proof as LeafProof).sig;
    for (const v of relayed) expect(Buffer.from((v.proof as LeafProof).sig).equals(Buffer.from(sig))).toBe(true);
    s.honest.reset();
    // Mallory replays the very frame: alice's signature, already held: nothing new, nobody charged.
    pushRaw(s.h, s.mallory, frame);
    expect(s.honest.versionsOut()).toEqual([]);
    expect(invalidFrom(s.h, 'x')).toBe(0);
    expect(Object.values(rejected(s.h)).reduce((x, y) => x + y, 0)).toBe(0);
  });

  it('mallory re-signing alice’s versions as a frame batch with her own key is a forgery charged to her link', async () => {
    const s = await scene();
    const forged = framed('a', 'x', notes('a', 10, 4));
    pushRaw(s.h, s.mallory, forged);
    expect(rejected(s.h)['forged-author']).toBe(4);
    expect(invalidFrom(s.h, 'x')).toBe(4);
    expect(s.honest.versionsOut()).toEqual([]);
    expect(await s.h.node.heads('n10', 'zz_note')).toEqual([]);
  });

  it('alice’s frame signature moved onto other versions of hers is refused', async () => {
    const s = await scene();
    const honest = framed('a', 'a', notes('a', 20, 4));
    const sig = (honest[0]!.proof as LeafProof).sig;
    // Same author, same count, other contents: the root is not the one alice signed.
    const moved = frameBatch('a' as NodeId, notes('a', 20, 4, 'changed')).signed(sig);
    pushRaw(s.h, s.mallory, moved);
    expect(rejected(s.h)['bad-signature']).toBe(4);
    expect(invalidFrom(s.h, 'x')).toBe(4);
    expect(s.honest.versionsOut()).toEqual([]);
  });

  it('one version re-signed in two frames is no equivocation; another value at its timestamp is, and is counted', async () => {
    const s = await scene();
    const vs = notes('a', 30, 6);
    pushRaw(s.h, s.alice, framed('a', 'a', vs.slice(0, 4)));
    // The same versions 2 and 3 again, in a later frame under another signature.
    pushRaw(s.h, s.alice, framed('a', 'a', vs.slice(2)));
    expect(rejected(s.h).equivocation).toBe(0);
    expect(invalidFrom(s.h, 'a')).toBe(0);
    // Alice signs another value at version 3's timestamp: her signature verifies, so it is hers.
    const fork = { ...vs[3]!, value: { text: 'other' } };
    pushRaw(s.h, s.alice, framed('a', 'a', [fork, ...notes('a', 40, 1)]));
    expect(rejected(s.h).equivocation).toBe(1);
    // Charged to her own link, which sent both contents.
    expect(invalidFrom(s.h, 'a')).toBeGreaterThan(0);
  });
});
