/**
 * Attack (session 16, the withdrawal of a removed member's late writes): a removal's cut-off is the
 * HLC stamp of the remove op's version (RosterState.removedAt), which its author chooses. x, once
 * removed, signs a `remove` of an honest member h with a Lamport clock just below its own removal
 * (so it takes effect in the view: "ops a removed member wrote concurrently with its removal ... one
 * that sorts before the removal stays", docs/security.md) and a version stamp backdated to before
 * h's writes. The gate takes it (stamped before x's cut-off), and the removal of h it makes now
 * *withdraws* every write h made after the backdated stamp, on every replica
 * (RosterService.applyCutoffs -> EntityStore.withdraw), though h was a member of everyone's roster
 * when it wrote them and x was still a member then. Before the withdrawal such a removal refused
 * h's later writes; now it erases h's history. Nothing bounds the stamp from below.
 */
import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { ROSTER_OP_KIND, rosterEntityId, valueOfOp } from '../../../src/core/roster/roster-entity';
import { opId, type RosterOp } from '../../../src/core/roster/roster-op';
import {
  deliver,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  T0,
  versionsOf,
} from '../node/roster/roster-harness';

describe('a removed member backdates a removal of an honest member', () => {
  it('does not withdraw what that member wrote while everyone held it a member', async () => {
    const clock = manualClock();
    const a = await rosterNode('bd-founder', clock);
    const join = (name: string) => invitedNode(a, name, clock);
    const x = await join('bd-member');
    const h = await join('bd-honest');
    const b = await join('bd-b');
    for (const n of [x, h, b]) deliver(n, rosterVersions(a));

    // h reports a track and keeps it up to date for an hour; b holds it all.
    for (let i = 0; i < 6; i++) {
      clock.advance(10 * 60_000);
      if (i === 0) await h.node.create({ id: 'h-track', components: { threat: { level: 'LOW' }, note: { n: i } } });
      else await h.node.update('h-track', { note: { n: i } });
    }
    deliver(b, versionsOf(h, 'h-track'));
    const held = versionsOf(b, 'h-track').length;

    // The founder removes x; b merges it.
    clock.advance(60_000);
    await a.roster.removeMember(x.id);
    deliver(b, rosterVersions(a));
    const removeX = [...a.roster.current.roster.values()].find((op) => op.body.type === 'remove')!;
    const addH = [...a.roster.current.roster.values()].find((op) => op.body.type === 'add' && op.body.member === h.id)!;
    expect(removeX.lamport - 1).toBeGreaterThan(addH.lamport);

    // x signs (its own key: the signature checks) a remove of h, stamped a minute after T0.
    const op: RosterOp = {
      author: x.id,
      seq: 1,
      lamport: removeX.lamport - 1,
      verified: true,
      body: { type: 'remove', member: h.id, observed: [opId(addH)] },
    };
    const forged: Version = {
      entity: rosterEntityId(op) as EntityId,
      kind: ROSTER_OP_KIND,
      value: valueOfOp(op),
      ts: { ms: T0 + 60_000, c: 0, node: x.id },
      seen: [],
    };
    const gated = deliver(b, [forged]);
    const left = versionsOf(b, 'h-track').length;
    const picture = await b.node.get('h-track');
    console.log(
      `backdated removal: gate refused ${JSON.stringify(gated.rejected.map((r) => r.reason))}; h removed at b ` +
        `${b.roster.current.view.removed.has(h.id)}; h's versions of h-track at b ${held} -> ${left}; ` +
        `withdrawn ${JSON.stringify((await b.node.stats()).rejected['removed-member-withdrawn'] ?? 0)}; ` +
        `h-track on b ${picture === undefined ? 'absent' : JSON.stringify(picture.components)}`,
    );
    // h's writes were made while h and x were members everywhere: a removed node's backdated op
    // must not erase them (nothing a member wrote is refused, docs/security.md "Enforcement").
    expect(left).toBe(held);
    expect(picture?.components.note).toEqual({ n: 5 });
  });
});
