/**
 * Attack (session 15): a member signs two different roster ops under one op id and gives one to
 * each of two replicas. The ingest gate keeps whichever a replica got first and refuses the other
 * for good as `roster-mismatch` (src/node/roster/membership-gate.ts:104-105), so after any amount
 * of anti-entropy the two replicas hold different ops and see different members. The existing test
 * (roster-attacks.test.ts, "rewriting a held roster op…") covers one replica and its restart only.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  rosterVersions,
  type RosterNode,
} from '../node/roster/roster-harness';

const ids = async (n: RosterNode): Promise<NodeId[]> => (await n.roster.members()).members.map((m) => m.id).sort();

describe('a member gives each replica a different twin of one roster op', () => {
  it('two replicas that have exchanged everything see the same members', async () => {
    const clock = manualClock();
    const a = await rosterNode('tw-founder', clock);
    const { token: tx } = await a.roster.invite('https://app.example/');
    const x = await rosterNode('tw-member', clock, fakeDevice(), { invitation: tx });
    expect(await a.roster.admit(x.id, tx)).toEqual({ ok: true });
    const { token: tb } = await a.roster.invite('https://app.example/');
    const b = await rosterNode('tw-other', clock, fakeDevice(), { invitation: tb });
    expect(await a.roster.admit(b.id, tb)).toEqual({ ok: true });
    deliver(x, rosterVersions(a));
    deliver(b, rosterVersions(a));

    const p = await rosterNode('tw-p', clock);
    const q = await rosterNode('tw-q', clock);
    clock.advance(1000);
    const toA = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 4, type: 'add', member: p.id });
    clock.advance(1000);
    const toB = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 4, type: 'add', member: q.id });
    // x's link to a carries one, its link to b the other (both signed by x, both valid).
    deliver(a, [toA!]);
    deliver(b, [toB!]);
    // Then a and b sync both ways, as often as you like.
    const reasons: string[] = [];
    for (let round = 0; round < 3; round++) {
      reasons.push(...deliver(a, rosterVersions(b)).rejected.map((r) => r.reason));
      reasons.push(...deliver(b, rosterVersions(a)).rejected.map((r) => r.reason));
    }
    const onA = await ids(a);
    const onB = await ids(b);
    const heldA = rosterVersions(a).find((v) => v.entity === `roster:${x.id}:1`)?.value;
    const heldB = rosterVersions(b).find((v) => v.entity === `roster:${x.id}:1`)?.value;
    console.log(
      `roster twins: after 3 sync rounds refused ${JSON.stringify(reasons)}; a sees p ${onA.includes(p.id)} q ${onA.includes(q.id)}, ` +
        `b sees p ${onB.includes(p.id)} q ${onB.includes(q.id)}; a holds ${JSON.stringify(heldA)}, b holds ${JSON.stringify(heldB)}`,
    );
    // Promise (issue 12: the roster is replicated data merged like everything else; zero divergence):
    // replicas holding each other's data agree on who is a member, and on the op they hold.
    expect(onA).toEqual(onB);
    expect(heldA).toEqual(heldB);
  });
});
