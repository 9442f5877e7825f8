/**
 * Attack (session 18, `attack18`): the refuser's linger (peer-session.ts refuse/lingered,
 * REFUSAL_LINGER_MS) reads the refused peer's bye and hands the proof it carries to
 * MeshSecurity.refusalProof, which merges whatever roster ops pass the signature check and the gate.
 * A removed member's ops stamped before its cut-off pass the gate (membership-gate.ts opRefusal),
 * and docs/security.md ("Known limit", the backdating window) bounds how long a removed member can
 * hand such an op over by refusing it at the handshake. The linger reopens that door for good: b,
 * removed by a, signs an `add` of a node z of its choosing stamped below its cut-off and, each time
 * it links to a member, answers that member's refusal with a refusal of its own carrying the add.
 * The member refused b and merges it all the same: z is a member on a, admitted by a removed
 * member long after its removal.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import type { Admission } from '../../../src/node/mesh/mesh-types';
import { deliver, invitedNode, manualClock, rosterNode, rosterVersions, signerAt } from '../node/roster/roster-harness';
import { meshed, Wire } from '../node/roster/mesh-wire';

describe("a removed member answers a member's refusal with a refusal of its own", () => {
  it('does not get the roster ops it signed below its cut-off merged by the member that refused it', async () => {
    const clock = manualClock();
    const a = await rosterNode('lg-founder', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'lg-removed', clock);
    deliver(b, rosterVersions(a));
    clock.advance(60_000);
    await a.roster.removeMember(b.id);
    const cutoff = a.roster.current.removedAt(b.id)!;
    expect(cutoff).toBeDefined();

    // Long after, b signs an add of z with a clock just below its cut-off (what it held then).
    clock.advance(60 * 60_000);
    const z = 'lg-sybil' as NodeId;
    const scratch = await signerAt('lg-removed', cutoff.ms - 1);
    scratch.applyRemote(rosterVersions(b));
    const add = (await scratch.writeRosterOp(valueOfOp(b.roster.current.next(b.id, { type: 'add', member: z }))))!;
    expect(add.ts.ms).toBeLessThan(cutoff.ms);

    // b links to a; a refuses it (removed), b refuses a back with its add as the "proof".
    const ma = await meshed(a, 'lg-founder', clock);
    const hostile: Admission = () => ({ ok: false, reason: `${a.id} was removed`, removal: [add] });
    const mb = await meshed(b, 'lg-removed', clock, hostile);
    await new Wire({ id: b.id, accept: mb.mesh.accept }, { id: a.id, accept: ma.mesh.accept }).settle();
    expect(ma.security.stats().notAdmitted).toBe(1);

    expect({ z: a.roster.current.view.members.has(z), merged: ma.security.stats().refusalProofs.merged }).toEqual({
      z: false,
      merged: 0,
    });
    ma.mesh.close();
    mb.mesh.close();
  });
});
