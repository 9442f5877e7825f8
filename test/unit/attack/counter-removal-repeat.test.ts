/**
 * Attack (session 17, `attack17`): a removed member removes its remover again after every
 * re-admission, and keeps its own late writes each time.
 *
 * docs/security.md, "Removals of each other": a removed member's remove of its remover counts (both
 * end removed), "another member re-admits A with an `add` of its own ... X stays removed", and the
 * price is that X keeps its writes up to that remove's stamp "once per remover". But
 * roster-view.ts `removesItsRemover` only asks that the remover removed the author last and is a
 * member now, so after b re-admits a, x (still removed by a) signs a second, new remove of a: it
 * counts again (a out with no honest remove after its re-admission), and x's cut-off (the later of
 * the two stamps, RosterState.removedAt) moves to it, so x's writes made long after its removal are
 * kept by every member. x can do it after each re-admission: a (the founder) cannot stay in.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { opId } from '../../../src/core/roster/roster-op';
import {
  deliver,
  invitedNode,
  manualClock,
  rosterNode,
  type RosterNode,
  rosterVersions,
  signerAt,
  T0,
  versionsOf,
} from '../node/roster/roster-harness';

const sorted = (ids: Iterable<NodeId>): NodeId[] => [...ids].sort();
const members = (n: RosterNode): NodeId[] => sorted(n.roster.current.view.members);

describe('a removed member removes its re-admitted remover again', () => {
  it('a stays a member after b re-admits it, and x keeps no write made after its removal', async () => {
    const clock = manualClock();
    const a = await rosterNode('cr-founder', clock);
    const x = await invitedNode(a, 'cr-removed', clock);
    const b = await invitedNode(a, 'cr-other', clock);
    const c = await invitedNode(a, 'cr-third', clock);
    // Members that learn everything at the end, each in its own delivery order or batching.
    const late: RosterNode[] = [];
    for (let i = 0; i < 4; i++) late.push(await invitedNode(a, `cr-late-${i}`, clock));
    for (const n of [x, b, c, ...late]) deliver(n, rosterVersions(a));

    clock.advance(10 * 60_000);
    await a.roster.removeMember(x.id);
    for (const n of [b, c]) deliver(n, rosterVersions(a));
    const removalOp = [...a.roster.current.roster.values()].find((op) => op.body.type === 'remove')!;

    // Ordered after a's admission of c (same clock, x's id sorts after).
    expect(x.id > a.id).toBe(true);
    // x's first counter-removal (what docs/security.md allows, once): both end removed.
    const first = (await (
      await signerAt('cr-removed', T0 + 1_000)
    ).writeRosterOp(
      valueOfOp({
        author: x.id,
        seq: 1,
        lamport: removalOp.lamport - 1,
        verified: true,
        body: { type: 'remove', member: a.id, observed: [`${a.id}:1`] },
      }),
    ))!;
    for (const n of [b, c]) expect(deliver(n, [first]).rejected).toEqual([]);
    expect(members(b)).not.toContain(a.id);

    // b re-admits a, as the docs say to.
    const readmit = b.roster.current.next(b.id, { type: 'add', member: a.id });
    await b.node.writeRosterOp(valueOfOp(readmit));
    deliver(c, rosterVersions(b));
    for (const n of [b, c]) expect(members(n)).toEqual(sorted([a.id, b.id, c.id, ...late.map((l) => l.id)]));

    // x, removed 20 minutes ago, writes (its own node never merged its removal).
    clock.advance(20 * 60_000);
    await x.node.create({ id: 'x-late', components: { note: { n: 1 } } });
    expect(deliver(b, versionsOf(x, 'x-late')).rejected.map((r) => r.reason)).toEqual(['removed-member']);

    // x signs a second, new remove of a, after the re-admission and after its late write.
    clock.advance(60_000);
    const second = (await (
      await signerAt('cr-removed', clock.now())
    ).writeRosterOp(
      valueOfOp({
        author: x.id,
        seq: 2,
        lamport: readmit.lamport + 1,
        verified: true,
        body: { type: 'remove', member: a.id, observed: [opId(readmit)] },
      }),
    ))!;
    for (const n of [b, c]) deliver(n, [second]);

    for (const n of [b, c]) {
      // No honest member removed a after b re-admitted it: a is still a member.
      expect(members(n)).toContain(a.id);
      expect(members(n)).not.toContain(x.id);
    }
    // x's write 21 minutes after its removal is not kept by any member.
    for (const n of [b, c]) deliver(n, versionsOf(x, 'x-late'));
    for (const n of [b, c]) expect(await n.node.get('x-late')).toBeUndefined();

    // Any order or batching: all at once, x's second remove (and late write) before the rest, one
    // by one forwards or backwards; each round re-sends what was refused, as anti-entropy does.
    const honest = rosterVersions(b).filter((v) => v.entity !== first.entity && v.entity !== second.entity);
    expect(honest.length).toBeGreaterThan(6);
    const xLate = versionsOf(x, 'x-late');
    const orders: (readonly (typeof first)[])[][] = [
      [[...honest, first, second, ...xLate]],
      [[second, ...xLate], [first], ...honest.map((v) => [v])],
      [...[...honest, first, second, ...xLate].map((v) => [v])],
      [...[...honest, first, second, ...xLate].reverse().map((v) => [v])],
    ];
    for (const [i, n] of late.entries()) {
      for (let round = 0; round < 3; round++) for (const batch of orders[i]!) deliver(n, batch);
      expect(members(n)).toEqual(members(b));
      expect(members(n)).toContain(a.id);
      expect(await n.node.get('x-late')).toBeUndefined();
    }
  });
});
