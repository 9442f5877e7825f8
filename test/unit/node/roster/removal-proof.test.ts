/**
 * A removed device learns its removal from the refusal itself (docs/security.md, "A removed
 * device"): a member refusing it at the handshake sends, with the bye, the signed roster ops that
 * establish the removal (the remove, and the remover's admissions back to the founding), and the
 * refused side verifies them as any ingest (signatures, the roster gate) before it merges them.
 * Before, a device offline during its removal was refused at every handshake with only a reason
 * string, never held the remove op, and went on taking writes every member refuses.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { valueOfOp } from '../../../../src/core/roster/roster-entity';
import type { Version } from '../../../../src/core/merge/version';
import type { Admission } from '../../../../src/node/mesh/mesh-types';
import { MeshSecurity } from '../../../../src/node/security/mesh-security';
import { refusalProof } from '../../../../src/node/security/admission';
import { syncSigner, syncVerifier, testIdentity, testSecurity } from '../../support/test-keys';
import { meshed, Wire } from './mesh-wire';
import { deliver, invitedNode, manualClock, rosterNode, rosterVersions, T0 } from './roster-harness';

describe('a device refused for its removal', () => {
  it('offline while a member it never met removed it: the refusal proves the removal, and it stands removed', async () => {
    const clock = manualClock();
    const a = await rosterNode('proof-founder', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'proof-removed', clock);
    deliver(b, rosterVersions(a));
    await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
    // b goes offline; c joins after, and removes b. b holds neither c's admission nor its key.
    clock.advance(1000);
    const c = await invitedNode(a, 'proof-remover', clock);
    deliver(c, rosterVersions(a));
    await c.roster.removeMember(b.id);
    deliver(a, rosterVersions(c));
    expect(a.roster.current.view.removed.get(b.id)).toBe(c.id);
    expect((await b.roster.members()).selfRemoved).toBeUndefined();

    // b comes back and links to a, a member it knows: a refuses it, with the proof.
    const ma = await meshed(a, 'proof-founder', clock);
    // a verified c's versions when they came (deliver above skips that): it holds c's key.
    await ma.security.keys.learn((await testSecurity('proof-remover', clock.now, 'hashed')).publicKey);
    const mb = await meshed(b, 'proof-removed', clock);
    await new Wire({ id: a.id, accept: ma.mesh.accept }, { id: b.id, accept: mb.mesh.accept }).settle();

    expect(ma.security.stats().notAdmitted).toBe(1);
    const proofs = mb.security.stats().refusalProofs;
    expect(proofs.refused).toBe(0);
    // The remove, c's admission (by a) and a's founding.
    expect(proofs.merged).toBe(3);
    const roster = await b.roster.members();
    expect(roster.selfRemoved?.by).toBe(c.id);
    expect(roster.selfRemoved?.at).toBe(a.roster.current.removedAt(b.id)!.ms);
    await expect(b.node.create({ components: { speed: { kts: 6 } } })).rejects.toThrow(/was removed from lattice ops/);
    expect((await b.node.get('trk-before'))?.components.speed).toEqual({ kts: 5 });
    ma.mesh.close();
    mb.mesh.close();
  });

  /**
   * b went offline; c joined after and removed it. b links to c, whom it has never heard of: each
   * refuses the other at once (b: not a member; c: removed), the byes cross. Before, b closed the
   * link with its own bye and never read c's, with the proof in it.
   */
  async function removedByStranger(name: string) {
    const clock = manualClock();
    const a = await rosterNode(`${name}-founder`, clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, `${name}-removed`, clock);
    deliver(b, rosterVersions(a));
    clock.advance(1000);
    const c = await invitedNode(a, `${name}-remover`, clock);
    deliver(c, rosterVersions(a));
    await c.roster.removeMember(b.id);
    expect(c.roster.current.view.removed.get(b.id)).toBe(c.id);
    deliver(a, rosterVersions(c));
    const mb = await meshed(b, `${name}-removed`, clock);
    const mc = await meshed(c, `${name}-remover`, clock);
    const ma = await meshed(a, `${name}-founder`, clock);
    // The keys each verified the others' versions with when they came (deliver above skips that):
    // b and c met a, a met c; b never met c.
    await ma.security.keys.learn(mc.security.publicKey);
    for (const m of [mb, mc]) await m.security.keys.learn(ma.security.publicKey);
    return { a, b, c, ma, mb, mc };
  }

  it('refused by a member it never heard of (crossing refusals): it takes that member’s proof all the same', async () => {
    const { b, c, ma, mb, mc } = await removedByStranger('cross');
    await new Wire({ id: b.id, accept: mb.mesh.accept }, { id: c.id, accept: mc.mesh.accept }).settle();

    // Each refused the other.
    expect(mb.security.stats().notAdmitted).toBe(1);
    expect(mc.security.stats().notAdmitted).toBe(1);
    // The remove, c's admission (by a) and a's founding: verified against b's own roster.
    expect(mb.security.stats().refusalProofs).toEqual({ merged: 3, refused: 0, dropped: 0 });
    expect((await b.roster.members()).selfRemoved?.by).toBe(c.id);
    await expect(b.node.create({ components: { speed: { kts: 6 } } })).rejects.toThrow(/was removed from lattice ops/);
    for (const m of [ma, mb, mc]) m.mesh.close();
  });

  it('over a link that loses what is in flight at a close: the refuser leaves the close to the refused side', async () => {
    const { a, b, c, ma, mb, mc } = await removedByStranger('lossy');
    // a, the founder b knows, refuses it; b admits a. Before, a closed the link right after its
    // bye, and the close took the bye with it.
    await new Wire({ id: a.id, accept: ma.mesh.accept }, { id: b.id, accept: mb.mesh.accept }, true).settle();

    expect(ma.security.stats().notAdmitted).toBe(1);
    expect(mb.security.stats().notAdmitted).toBe(0);
    expect(mb.security.stats().refusalProofs.merged).toBe(3);
    expect((await b.roster.members()).selfRemoved?.by).toBe(c.id);
    for (const m of [ma, mb, mc]) m.mesh.close();
  });

  it('two refusals at once: the later waits for the one being checked (a forged one) instead of being dropped', async () => {
    const { a, b, c, ma, mb, mc } = await removedByStranger('queue');
    const genuine = a.roster.removalProof(b.id);
    expect(genuine.length).toBe(3);
    const keyOf = (id: NodeId) => ma.security.keys.keyOf(id);
    // b's checks answer later, as WebCrypto's do: the proofs after the first come while it is checked.
    const identity = testIdentity('queue-removed');
    const base = syncVerifier('hashed');
    const security = await MeshSecurity.create({
      self: identity.id,
      publicKey: identity.publicKey,
      crypto: { verify: (k, x, sig) => Promise.resolve().then(() => base.verify(k, x, sig)), nodeIdOf: base.nodeIdOf },
      signer: syncSigner(identity),
      randomBytes: (n) => new Uint8Array(n).fill(7),
      now: () => T0,
      log: () => undefined,
    });
    security.gate = (versions) => b.roster.gate(versions);
    await security.keys.learn(ma.security.publicKey);
    const merged: Version[] = [];
    const merge = (vs: readonly Version[]): void => {
      merged.push(...vs);
      void b.node.applyRemote(vs);
    };
    // The first refuser alters the remove: its signature fails, b learns nothing from it.
    const forged = [{ ...genuine[0]!, value: { ...(genuine[0]!.value as object), lamport: 1 } } as Version];
    security.refusalProof(refusalProof(forged, keyOf)!, a.id, merge);
    // Two more come while it is checked: the latest waits, the one before it is dropped.
    security.refusalProof(refusalProof(genuine.slice(1), keyOf)!, a.id, merge);
    security.refusalProof(refusalProof(genuine, keyOf)!, a.id, merge);
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));

    expect(security.stats().refusalProofs).toEqual({ merged: 3, refused: 1, dropped: 1 });
    expect(merged.length).toBe(3);
    expect((await b.roster.members()).selfRemoved?.by).toBe(c.id);
    for (const m of [ma, mb, mc]) m.mesh.close();
  });

  it('a refusal carrying an altered remove, a stranger’s remove and a track changes nothing, and each is counted', async () => {
    const clock = manualClock();
    const a = await rosterNode('forge-member', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'forge-target', clock);
    deliver(b, rosterVersions(a));
    // A genuine remove of b signed by a, whose content the refuser alters (its signature no longer holds).
    clock.advance(1000);
    const genuine = await a.node.writeRosterOp(
      valueOfOp(a.roster.current.next(a.id, { type: 'remove', member: b.id, observed: [] })),
    );
    const altered: Version = { ...genuine!, value: { ...(genuine!.value as object), lamport: 1 } } as Version;
    // A remove of b signed by a stranger (its key sent along): the signature holds, the roster gate refuses it.
    const x = await rosterNode('forge-stranger', clock, undefined, { lattice: 'ops' });
    const strangers = await x.node.writeRosterOp(
      valueOfOp({
        author: x.id,
        seq: 2,
        lamport: 9,
        verified: true,
        body: { type: 'remove', member: b.id, observed: [] },
      }),
    );
    await x.node.create({ id: 'trk-junk', components: { speed: { kts: 1 } } });
    const junk = [...x.node.versions()].find((v) => v.entity === 'trk-junk')!;

    // The hostile refuser: a's key, refusing b with that proof.
    const xKey = (await testSecurity('forge-stranger', clock.now, 'hashed')).publicKey;
    const hostile: Admission = () => ({
      ok: false,
      reason: `${b.id} was removed`,
      removal: [altered, strangers!, junk],
    });
    const ma = await meshed(a, 'forge-member', clock, hostile);
    await ma.security.keys.learn(xKey);
    const mb = await meshed(b, 'forge-target', clock);
    await new Wire({ id: a.id, accept: ma.mesh.accept }, { id: b.id, accept: mb.mesh.accept }).settle();

    const proofs = mb.security.stats().refusalProofs;
    expect(proofs).toEqual({ merged: 0, refused: 3, dropped: 0 });
    expect(mb.logs).toContain(`refused 1 versions ${a.id} sent with its refusal: not roster ops`);
    expect(mb.logs).toContain(`refused 2 roster ops ${a.id} sent with its refusal (bad-signature, not-a-member)`);
    expect((await b.roster.members()).selfRemoved).toBeUndefined();
    expect((await b.roster.members()).members.map((m) => m.id)).toContain(b.id);
    expect(await b.node.get('trk-junk')).toBeUndefined();
    await b.node.create({ id: 'trk-still', components: { speed: { kts: 2 } } });
    ma.mesh.close();
    mb.mesh.close();
  });
});
