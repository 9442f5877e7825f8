/**
 * Attack (session 18, `attack18`): MeshSecurity.refusalProof checks one refusal's proof at a time
 * and keeps one waiting, the latest: an older one waiting is dropped for it (mesh-security.ts
 * refusalProof, docs/security.md "A removed device"). Any peer that refuses us, or that we refuse and
 * that answers with a bye of its own during our linger (peer-session.ts lingered), can so push out
 * the genuine proof of our removal with a junk one: a stranger's proof of a roster op it signed
 * (its signature verifies, the gate refuses it) arrives after the member's genuine proof and takes
 * its place, and the removed device does not learn it was removed.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { refusalProof } from '../../../src/node/security/admission';
import { MeshSecurity } from '../../../src/node/security/mesh-security';
import { syncSigner, syncVerifier, testIdentity, testSecurity } from '../support/test-keys';
import { deliver, invitedNode, manualClock, rosterNode, rosterVersions, T0 } from '../node/roster/roster-harness';

describe('a refusal proof waiting its turn', () => {
  it('is not pushed out by a stranger’s junk proof that comes after it', async () => {
    const clock = manualClock();
    const a = await rosterNode('rd-founder', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'rd-removed', clock);
    deliver(b, rosterVersions(a));
    clock.advance(1000);
    const c = await invitedNode(a, 'rd-remover', clock);
    deliver(c, rosterVersions(a));
    await c.roster.removeMember(b.id);
    deliver(a, rosterVersions(c));
    const genuine = a.roster.removalProof(b.id);
    expect(genuine.length).toBe(3);
    const aSec = await testSecurity('rd-founder', clock.now, 'hashed');
    const cSec = await testSecurity('rd-remover', clock.now, 'hashed');
    const keys = new Map<NodeId, Uint8Array>([
      [a.id, aSec.publicKey],
      [c.id, cSec.publicKey],
    ]);

    // A stranger's own roster op, properly signed: its proof costs a check and is refused by the gate.
    const x = await rosterNode('rd-stranger', clock, undefined, { lattice: 'ops' });
    const junk = (await x.node.writeRosterOp(
      valueOfOp({
        author: x.id,
        seq: 2,
        lamport: 9,
        verified: true,
        body: { type: 'remove', member: b.id, observed: [] },
      }),
    ))!;
    keys.set(x.id, testIdentity('rd-stranger').publicKey);
    const keyOf = (id: NodeId): Uint8Array | undefined => keys.get(id);

    // b's checks answer later, as WebCrypto's do.
    const identity = testIdentity('rd-removed');
    const base = syncVerifier('hashed');
    const security = await MeshSecurity.create({
      self: identity.id,
      publicKey: identity.publicKey,
      crypto: { verify: (k, m, s) => Promise.resolve().then(() => base.verify(k, m, s)), nodeIdOf: base.nodeIdOf },
      signer: syncSigner(identity),
      randomBytes: (n) => new Uint8Array(n).fill(7),
      now: () => T0,
      log: () => undefined,
    });
    security.gate = (versions) => b.roster.gate(versions);
    await security.keys.learn(aSec.publicKey);
    const merge = (vs: readonly Version[]): void => void b.node.applyRemote(vs);

    // A forged proof is being checked; the genuine one from a member waits; then the stranger's.
    const forged = [{ ...genuine[0]!, value: { ...(genuine[0]!.value as object), lamport: 1 } } as Version];
    security.refusalProof(refusalProof(forged, keyOf)!, a.id, merge);
    security.refusalProof(refusalProof(genuine, keyOf)!, a.id, merge);
    security.refusalProof(refusalProof([junk], keyOf)!, x.id, merge);
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));

    expect((await b.roster.members()).selfRemoved?.by).toBe(c.id);
  });
});
