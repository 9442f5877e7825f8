/**
 * Attack (session 15): a removed member undoes its own removal with one backdated roster op.
 *
 * The ingest gate refuses a removed member's roster ops only when their HLC stamp is after the
 * remove's (`RosterState.writtenAfterRemoval`, src/node/roster/membership-gate.ts:112); the view
 * then orders ops by Lamport clock alone (src/core/roster/roster-view.ts). The removed member
 * signs, after it learnt of its removal, a `remove` of its remover with an HLC stamp and a Lamport
 * clock both below the removal. A node that has merged the removal takes it from any relay (the
 * author was "ever admitted", the stamp is "before the removal"), the view applies it first, the
 * remover is no longer a member when its own `remove` comes, and that is rejected as
 * `author-not-member`. Every replica converges on: the removed node is a member, the founder is not.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { NodeId } from '../../../src/core/ids';
import { LatticeNode } from '../../../src/node/lattice-node';
import { testIdentity } from '../support/test-keys';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  rosterVersions,
  T0,
  type RosterNode,
} from '../node/roster/roster-harness';

const ids = async (n: RosterNode): Promise<NodeId[]> => (await n.roster.members()).members.map((m) => m.id).sort();

/** The removed member's key in a scratch node whose wall clock it set back (it signs what it likes). */
async function backdatedSigner(name: string, at: number): Promise<LatticeNode> {
  const me = testIdentity(name);
  return LatticeNode.open({
    nodeId: me.id,
    lattice: 'ops',
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    backend: 'memory',
    now: () => at,
    newId: () => 'scratch',
    scheduleChanges: (fn) => queueMicrotask(fn),
    signer: me.signer,
  });
}

describe('a removed member signs a backdated remove of its remover', () => {
  it('a node that merged the removal refuses it: the removed node stays removed and the remover stays a member', async () => {
    const clock = manualClock();
    const a = await rosterNode('cr-founder', clock); // a:1 found, lamport 1
    const { token: tx } = await a.roster.invite('https://app.example/');
    const x = await rosterNode('cr-member', clock, fakeDevice(), { invitation: tx });
    expect(await a.roster.admit(x.id, tx)).toEqual({ ok: true }); // a:2 add x, lamport 2
    const { token: tb } = await a.roster.invite('https://app.example/');
    const b = await rosterNode('cr-other', clock, fakeDevice(), { invitation: tb });
    expect(await a.roster.admit(b.id, tb)).toEqual({ ok: true }); // a:3 add b, lamport 3
    deliver(x, rosterVersions(a));
    deliver(b, rosterVersions(a));

    clock.advance(60_000);
    await a.roster.removeMember(x.id); // a:4 remove x, lamport 4, stamped T0 + 60 s
    // The removal reaches b; both now refuse x at the handshake.
    deliver(b, rosterVersions(a));
    expect(await ids(b)).not.toContain(x.id);
    expect((await b.roster.admit(x.id, undefined)).ok).toBe(false);
    expect((await a.roster.admit(x.id, undefined)).ok).toBe(false);

    // x, removed and knowing it, signs its first roster op: remove the founder, observed = the
    // founding (a's only admission), Lamport 3 (after its own add at 2, before the removal at 4), stamped
    // one second after T0 (long before the removal's stamp).
    clock.advance(60_000);
    const scratch = await backdatedSigner('cr-member', T0 + 1_000);
    const counter = await scratch.writeRosterOp({
      author: x.id,
      seq: 1,
      lamport: 3,
      type: 'remove',
      member: a.id,
      observed: [`${a.id}:1`],
    });
    expect(counter).toBeDefined();

    // It reaches b through any relay that holds it (a tab that had not merged the removal yet, a
    // colluding member, a joiner): b merged the removal long ago.
    const atB = deliver(b, [counter!]);
    // ...and from b, by anti-entropy, the founder.
    const atA = deliver(a, rosterVersions(b));

    const membersB = await ids(b);
    const membersA = await ids(a);
    const admitX = await a.roster.admit(x.id, undefined);
    console.log(
      `counter-removal: refused at b ${JSON.stringify(atB.rejected.map((r) => r.reason))}, at a ${JSON.stringify(atA.rejected.map((r) => r.reason))}; ` +
        `members at b ${membersB.length} (x ${membersB.includes(x.id)}, founder ${membersB.includes(a.id)}), ` +
        `at a (x ${membersA.includes(x.id)}, founder ${membersA.includes(a.id)}); a admits x again: ${admitX.ok}`,
    );
    // Promise (docs/security.md:290-293, issue 12): a removed member's later roster ops are refused,
    // removal wins over the removed node, and it is refused at the handshake.
    expect(atB.rejected.map((r) => r.reason)).toEqual(['removed-member']);
    expect(membersB).not.toContain(x.id);
    expect(membersB).toContain(a.id);
    expect(membersA).toContain(a.id);
    expect(admitX.ok).toBe(false);
  });
});
