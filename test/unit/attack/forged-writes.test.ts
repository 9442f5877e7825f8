/**
 * Issue 12's worst hole, replayed against a real LatticeNode + MeshNode ('m') through scripted
 * links: a write forged in another node's name (or in m's own), altered, replayed or equivocated,
 * and a forged tombstone. Each is refused before the merge with its reason, counted in
 * securityStats(), never relayed to the honest peer on another link, and charged to the link that
 * sent it; honest traffic on the same links goes through. Keys are real Ed25519 keys, checked with
 * Node's crypto (test-keys.ts); in this harness a test key stands for its node's name.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../src/core/ids';
import { DELETED, type Version } from '../../../src/core/merge/version';
import { encodeMessage, INVALID_INPUT_REASON, MessageType, SYNC_PROTOCOL_VERSION } from '../../../src/core/sync';
import { encodeVersions } from '../../../src/core/wire';
import type { RejectReason } from '../../../src/node/security/version-verifier';
import { LEAF_FORM_BINARY, LEAF_FORM_TEXT, type LeafForm } from '../../../src/core/signing/leaf-form';
import { signedBatch } from '../../../src/node/security/sign-writes';
import { signNow, syncSigner, testIdentity } from '../support/test-keys';
import { Harness, T0, versionsFrame, type Peer } from '../node/mesh/scripted-peers';
import { note, scene, type Scene } from './attack-scene';

/** Signed by `signer`'s key, whoever the version names as its author. */
const signedBy = (signer: string, v: Version): Version => signNow(testIdentity(signer), v);

const rejected = (h: Harness): Record<RejectReason, number> => h.mesh.securityStats().rejected;
const invalidFrom = (h: Harness, peer: string): number =>
  h.mesh.peers().find((p) => p.peer === peer)?.invalidFrames ?? 0;
const texts = async (h: Harness, entity: string): Promise<unknown[]> =>
  (await h.node.heads(entity, 'zz_note')).map((x) => (x.value as { text: string }).text);

/** Sends one live frame from `peer` and lets the node act on it. */
function push(h: Harness, peer: Peer, versions: Version[]): void {
  peer.send(versionsFrame(versions, true));
  h.tick();
}

/** The same, exactly as given: no version signed on the way, no keys sent ahead. */
function pushRaw(h: Harness, peer: Peer, versions: Version[]): void {
  peer.handler.receive(
    encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: encodeVersions(versions) }),
  );
  h.tick();
}

async function expectRefused(s: Scene, forged: Version, reason: RejectReason): Promise<void> {
  const before = rejected(s.h)[reason];
  const invalid = invalidFrom(s.h, 'x');
  pushRaw(s.h, s.mallory, [forged]);
  expect(rejected(s.h)[reason]).toBe(before + 1);
  expect(invalidFrom(s.h, 'x')).toBe(invalid + 1);
  expect(s.honest.versionsOut()).toEqual([]);
  expect(s.h.logs.some((l) => l.includes('refused 1 versions from x'))).toBe(true);
}

describe('attack suite: forged writes (issue 12)', () => {
  it('honest signed writes go through, are relayed, and charge nobody', async () => {
    const s = await scene();
    push(s.h, s.alice, [signedBy('a', note('t1', 'a', T0 - 1000, 'hello'))]);
    expect(await texts(s.h, 't1')).toEqual(['hello']);
    await s.h.landed();
    expect(s.honest.versionsOut().map((v) => v.entity)).toEqual(['t1']);
    // Relayed with its signature, so the next hop can verify it too.
    expect(s.honest.versionsOut()[0]!.sig).toBeInstanceOf(Uint8Array);
    expect(invalidFrom(s.h, 'a')).toBe(0);
    expect(Object.values(rejected(s.h)).every((n) => n === 0)).toBe(true);
  });

  it('forged author: a write in alice’s name signed with mallory’s key', async () => {
    const s = await scene();
    await expectRefused(s, signedBy('x', note('t1', 'a', T0 - 1000, 'forged')), 'forged-author');
    expect(await s.h.node.get('t1')).toBeUndefined();
  });

  it('self-author: a write in m’s own name that m never made', async () => {
    const s = await scene();
    await expectRefused(s, signedBy('x', note('t1', 'm', T0 - 1000, 'in your name')), 'self-author');
    expect(await s.h.node.get('t1')).toBeUndefined();
  });

  it('unsigned: a version without a signature', async () => {
    const s = await scene();
    await expectRefused(s, note('t1', 'a', T0 - 1000, 'bare'), 'unsigned');
  });

  it('altered value and altered context: alice’s real signature over other content', async () => {
    const s = await scene();
    const real = signedBy('a', note('t1', 'a', T0 - 1000, 'real', [{ ms: T0 - 2000, c: 0, node: 'h' as NodeId }]));
    await expectRefused(s, { ...real, value: { text: 'altered' } }, 'bad-signature');
    await expectRefused(s, { ...real, seen: [{ ms: T0 - 1500, c: 0, node: 'h' as NodeId }] }, 'bad-signature');
    // The real one still goes through afterwards, from its author.
    push(s.h, s.alice, [real]);
    expect(await texts(s.h, 't1')).toEqual(['real']);
  });

  it('replay: alice’s signed write replayed under another entity and another clock', async () => {
    const s = await scene();
    const real = signedBy('a', note('t1', 'a', T0 - 1000, 'real'));
    await expectRefused(s, { ...real, entity: 't2' as EntityId }, 'bad-signature');
    await expectRefused(s, { ...real, ts: { ...real.ts, ms: T0 - 500 } }, 'bad-signature');
    expect(await s.h.node.get('t2')).toBeUndefined();
  });

  it('forged tombstone: a delete in alice’s name does not delete her entity', async () => {
    const s = await scene();
    push(s.h, s.alice, [signedBy('a', note('t1', 'a', T0 - 1000, 'alive'))]);
    s.honest.reset();
    const tombstone: Version = {
      entity: 't1' as EntityId,
      kind: DELETED,
      value: null,
      ts: { ms: T0 - 900, c: 0, node: 'a' as NodeId },
      seen: [],
    };
    await expectRefused(s, signedBy('x', tombstone), 'forged-author');
    expect(await texts(s.h, 't1')).toEqual(['alive']);
    // Nor in m's own name.
    await expectRefused(
      s,
      signedBy('x', { ...tombstone, ts: { ...tombstone.ts, node: 'm' as NodeId } }),
      'self-author',
    );
    expect(await s.h.node.get('t1')).toBeDefined();
  });

  it('relayed forgery: a third node relays a write in alice’s name that alice never signed', async () => {
    const s = await scene();
    // Mallory's link relays it (the author is not the link), signed by yet another key: no key
    // of the author or the link verifies it.
    const relayed = signedBy('z', note('t1', 'a', T0 - 1000, 'relayed forgery'));
    await expectRefused(s, relayed, 'bad-signature');
    // An author nobody vouched for is not charged to the relay (an honest relay may not have its
    // key yet) but never merged either.
    pushRaw(s.h, s.mallory, [signedBy('z', note('t2', 'z', T0 - 1000, 'who?'))]);
    expect(rejected(s.h)['unknown-author']).toBe(1);
    expect(await s.h.node.get('t2')).toBeUndefined();
    expect(s.honest.versionsOut()).toEqual([]);
  });

  it('equivocation: alice signs two contents under one timestamp; counted, charged to her link, one kept as everywhere', async () => {
    const s = await scene();
    const left = signedBy('a', note('t1', 'a', T0 - 1000, 'left'));
    const right = signedBy('a', note('t1', 'a', T0 - 1000, 'right'));
    push(s.h, s.alice, [right]);
    push(s.h, s.alice, [left]);
    expect(rejected(s.h).equivocation).toBe(1);
    expect(invalidFrom(s.h, 'a')).toBe(1);
    // The merge keeps the same one of the two on every node, whichever came first (compareContent).
    expect(await texts(s.h, 't1')).toEqual(['left']);
  });

  it('equivocation across leaf forms: one content in a text-leaf batch, another in a binary-leaf batch, then one signed alone', async () => {
    const s = await scene();
    const signer = syncSigner(testIdentity('a'));
    const inForm = async (form: LeafForm, text: string): Promise<Version> =>
      (await signedBatch(signer, 'a' as NodeId, [note('t1', 'a', T0 - 1000, text)], form))[0]!;
    push(s.h, s.alice, [await inForm(LEAF_FORM_BINARY, 'right')]);
    push(s.h, s.alice, [await inForm(LEAF_FORM_TEXT, 'left')]);
    push(s.h, s.alice, [signedBy('a', note('t1', 'a', T0 - 1000, 'middle'))]);
    expect(rejected(s.h).equivocation).toBe(2);
    expect(invalidFrom(s.h, 'a')).toBe(2);
  });

  it('a link that keeps forging is cut for invalid input and refused for a while', async () => {
    const s = await scene();
    const forged = Array.from({ length: 101 }, (_, i) => signedBy('x', note(`f${i}`, 'a', T0 - 1000 + i, 'forged')));
    pushRaw(s.h, s.mallory, forged);
    expect(rejected(s.h)['forged-author']).toBe(101);
    expect(s.mallory.closedWith).toBe(INVALID_INPUT_REASON);
    expect(s.h.mesh.securityStats().peersPenalised).toBe(1);
    expect((await s.h.node.list()).length).toBe(0);
    const again = s.h.peer('x');
    again.hello();
    expect(again.closedWith).toBeDefined();
  });

  it('a hello whose key does not stand for the claimed id is refused before any data flows', async () => {
    const h = await Harness.create('m');
    const impostor = h.peer('a');
    impostor.send({
      type: MessageType.Hello,
      protocol: SYNC_PROTOCOL_VERSION,
      node: 'a' as NodeId,
      lattice: 'test',
      time: h.clock,
      items: 0,
      newest: 0,
      key: testIdentity('x').publicKey,
      nonce: new Uint8Array(16),
    });
    h.tick();
    expect(impostor.closedWith).toMatch(/key does not match/);
    expect(h.mesh.securityStats().badHelloKeys).toBe(1);
  });
});
