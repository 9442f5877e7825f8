/**
 * Attack (session 15, `attack15`): a removed member undoes its own removal with one backdated roster op.
 *
 * The founder a removes x. x, removed and knowing it, signs a `remove` of a with a Lamport clock
 * just below the removal and an HLC stamp long before it. A node that merged the removal takes it
 * (stamped before x's cut-off); the view orders by Lamport, so x's op removed a first and a's
 * removal of x was then without effect (`author-not-member`): x a member again, the founder out,
 * and every write a made after x's backdated stamp withdrawn. Merged the other way round (x's op
 * first), a's removal was refused at the gate as a removed member's late write.
 *
 * The rule (docs/security.md, "Removals of each other"; concurrent removals all apply, as in DCGKA,
 * Weidner et al., CCS 2021): both end removed, x never regains membership by it, every replica
 * converges whatever the order, a's writes up to its removal of x stay, and another member can
 * re-admit a, which lifts a's cut-off.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { opOfVersion, valueOfOp } from '../../../src/core/roster/roster-entity';
import { opId, type RosterOp } from '../../../src/core/roster/roster-op';
import { gateVersions } from '../../../src/node/roster/membership-gate';
import { RosterState } from '../../../src/node/roster/roster-state';
import {
  deliver,
  gateEach,
  invitedNode,
  manualClock,
  rosterNode,
  type RosterNode,
  rosterOpVersion as v,
  rosterVersions,
  signerAt,
  T0,
  versionsOf,
} from '../node/roster/roster-harness';

const opOf = (x: Version): RosterOp => {
  const parsed = opOfVersion(x, true);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.op;
};
const sorted = (ids: Iterable<NodeId>): NodeId[] => [...ids].sort();
const members = (n: RosterNode): NodeId[] => sorted(n.roster.current.view.members);
const removed = (n: RosterNode): NodeId[] => sorted(n.roster.current.view.removed.keys());
const nonRoster = (n: RosterNode): Version[] => [...n.node.versions()].filter((v) => !v.entity.startsWith('roster:'));
const held = (n: RosterNode): string[] =>
  [...n.node.versions()].map((v) => `${v.entity}/${v.kind}@${v.ts.ms}.${v.ts.c}.${v.ts.node}`).sort();

/**
 * a founds; x, b and c join. a writes a track at T0 + 10 min, removes x at T0 + 11 min and writes
 * again at T0 + 12 min; b merges all of that. x then signs a remove of a at a Lamport clock just
 * below its removal, stamped T0 + 1 s, observing a's founding.
 */
async function scene() {
  const clock = manualClock();
  const a = await rosterNode('cr-founder', clock);
  const x = await invitedNode(a, 'cr-removed', clock);
  const b = await invitedNode(a, 'cr-other', clock);
  const c = await invitedNode(a, 'cr-third', clock);
  for (const n of [x, b, c]) deliver(n, rosterVersions(a));

  clock.advance(10 * 60_000);
  await a.node.create({ id: 'a-before', components: { note: { n: 1 } } });
  clock.advance(60_000);
  await a.roster.removeMember(x.id);
  const removal = rosterVersions(a).find((v) => (v.value as { type?: string }).type === 'remove')!;
  clock.advance(60_000);
  await a.node.create({ id: 'a-after', components: { note: { n: 2 } } });
  deliver(b, [...a.node.versions()]);
  expect(removed(b)).toEqual([x.id]);

  const removalOp = [...a.roster.current.roster.values()].find((op) => op.body.type === 'remove')!;
  const scratch = await signerAt('cr-removed', T0 + 1_000);
  // Ordered after a's last op before the removal (a's admission of c: same clock, x's id sorts after).
  expect(x.id > a.id).toBe(true);
  const counter = (await scratch.writeRosterOp(
    valueOfOp({
      author: x.id,
      seq: 1,
      lamport: removalOp.lamport - 1,
      verified: true,
      body: { type: 'remove', member: a.id, observed: [`${a.id}:1`] },
    }),
  ))!;
  expect(counter).toBeDefined();
  return { clock, a, x, b, c, removal, counter };
}

describe('a removed member signs a backdated remove of its remover', () => {
  it('both end removed on a node that merged the removal first; x is not admitted again', async () => {
    const { a, x, b, counter } = await scene();
    const atB = deliver(b, [counter]);
    expect(atB.rejected).toEqual([]);
    expect(removed(b)).toEqual(sorted([a.id, x.id]));
    expect(members(b)).not.toContain(x.id);
    expect(members(b)).not.toContain(a.id);
    // x's op and a's removal of x both count: visible in the roster, with their authors.
    expect(b.roster.current.view.removed.get(a.id)).toBe(x.id);
    expect(b.roster.current.view.removed.get(x.id)).toBe(a.id);
    expect(b.roster.current.view.rejected.size).toBe(0);
    // x is refused at the handshake, as is a now.
    expect((await b.roster.admit(x.id, undefined)).ok).toBe(false);
    expect((await b.roster.admit(a.id, undefined)).ok).toBe(false);
  });

  it('every replica converges whatever the order the two removals reach it in', async () => {
    const { a, x, b, c, removal, counter } = await scene();
    deliver(b, [counter]);
    // c gets x's op first (from a relay that had not merged the removal), then a's removal and writes.
    expect(deliver(c, [counter]).rejected).toEqual([]);
    expect(removed(c)).toEqual([a.id]);
    const late = deliver(c, [removal]);
    expect(late.rejected.map((r) => r.reason)).toEqual([]);
    deliver(c, nonRoster(a));
    // a itself merges x's op.
    deliver(a, [counter]);
    for (const n of [a, c]) {
      expect(removed(n)).toEqual(sorted([a.id, x.id]));
      expect(members(n)).toEqual(members(b));
    }
    expect(held(c)).toEqual(held(b));
    // Anti-entropy between them changes nothing.
    deliver(b, [...c.node.versions()]);
    deliver(c, [...b.node.versions()]);
    expect(held(c)).toEqual(held(b));
    expect(removed(b)).toEqual(sorted([a.id, x.id]));
  });

  it("keeps a's writes up to its removal of x, refuses later ones, and x never regains membership", async () => {
    const { clock, a, x, b, c, counter } = await scene();
    deliver(b, [counter]);
    deliver(c, [counter, ...a.node.versions()]);
    for (const n of [b, c]) {
      // Written at T0 + 10 min, after x's backdated stamp but while a was a member everywhere.
      expect(await n.node.get('a-before')).toBeDefined();
      // Written after a's removal of x (its cut-off): withdrawn, as a removed member's late write.
      expect(await n.node.get('a-after')).toBeUndefined();
    }
    // x's own later roster ops change nothing: a re-add of itself, stamped before its cut-off.
    const scratch = await signerAt('cr-removed', T0 + 2_000);
    const readd = (await scratch.writeRosterOp(
      valueOfOp({ author: x.id, seq: 2, lamport: 100, verified: true, body: { type: 'add', member: x.id } }),
    ))!;
    deliver(b, [readd]);
    expect(members(b)).not.toContain(x.id);
    clock.advance(60_000);
    await x.node.create({ id: 'x-late', components: { note: { n: 3 } } });
    expect(deliver(b, versionsOf(x, 'x-late')).rejected.map((r) => r.reason)).toEqual(['removed-member']);
  });

  it("another member re-admits a: a's cut-off is lifted for what it writes next, x stays removed", async () => {
    const { a, x, b, c, counter } = await scene();
    deliver(b, [counter]);
    deliver(c, [counter, ...a.node.versions()]);
    expect(await c.node.get('a-after')).toBeUndefined();
    // b re-adds a (an honest member's deliberate act: a signed `add` of b's).
    const readmit = b.roster.current.next(b.id, { type: 'add', member: a.id });
    await b.node.writeRosterOp(valueOfOp(readmit));
    expect(members(b)).toContain(a.id);
    deliver(c, rosterVersions(b));
    expect(c.roster.current.view.rejected.has(opId(readmit))).toBe(false);
    expect(members(c)).toEqual(sorted([a.id, b.id, c.id]));
    expect(removed(c)).toEqual([x.id]);
    // a's write after its removal of x, before its re-admission, lies in its removal's window: it
    // stays refused (docs/security.md, "A removed device invited again"); what a writes once
    // admitted again is taken.
    expect(deliver(c, versionsOf(a, 'a-after')).rejected.map((r) => r.reason)).toEqual(['removed-member']);
    expect(await c.node.get('a-after')).toBeUndefined();
    deliver(a, rosterVersions(b));
    await a.node.create({ id: 'a-readmitted', components: { note: { n: 4 } } });
    expect(deliver(c, versionsOf(a, 'a-readmitted')).rejected).toEqual([]);
    expect(await c.node.get('a-readmitted')).toBeDefined();
    expect((await c.roster.admit(x.id, undefined)).ok).toBe(false);
  });

  it('a remove of its remover signed again later is refused: the cut-offs do not move past it', () => {
    const [A, X, B] = ['aa', 'xx', 'bb'] as NodeId[] as [NodeId, NodeId, NodeId];
    const setup = gateEach(RosterState.empty(`${A}:1`), [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 2, { type: 'add', member: X }),
      v(A, 3, 3, 3, { type: 'add', member: B }),
      v(A, 4, 5, 20, { type: 'remove', member: X, observed: [`${A}:2`] }),
      // x's remove of a: ordered before a's removal of x, stamped long before it.
      v(X, 1, 4, 10, { type: 'remove', member: A, observed: [`${A}:1`] }),
    ]);
    expect(setup.reasons).toEqual([]);
    const state = setup.state;
    expect([...state.view.removed.keys()].sort()).toEqual([A, X]);
    expect(state.removedAt(A)).toEqual({ ms: 20, c: 0, node: A });
    expect(state.removedAt(X)).toEqual({ ms: 20, c: 0, node: A });
    // Either signs its remove again, later: refused, the cut-offs stay.
    for (const again of [
      v(X, 1, 4, 90, { type: 'remove', member: A, observed: [`${A}:1`] }),
      v(A, 4, 5, 90, { type: 'remove', member: X, observed: [`${A}:2`] }),
      // A twin under the same id (other content), later.
      v(X, 1, 4, 90, { type: 'remove', member: A, observed: [] }),
    ]) {
      const r = gateVersions([again], state, () => false, 'me' as NodeId);
      expect(r.rejected.map((x) => x.reason)).toEqual(['removed-member']);
      expect(r.state.removedAt(A)).toEqual({ ms: 20, c: 0, node: A });
    }
  });

  it('a removed node removes its remover once: not again after each re-admission, its cut-off stays', () => {
    const [A, B, X] = ['aa', 'bb', 'xx'] as NodeId[] as [NodeId, NodeId, NodeId];
    const setup = [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 10, { type: 'add', member: B }),
      v(A, 3, 3, 20, { type: 'add', member: X }),
      v(A, 4, 4, 100, { type: 'remove', member: X, observed: [`${A}:3`] }),
      // x's remove of a, written after its removal: counts (they removed each other).
      v(X, 1, 5, 1000, { type: 'remove', member: A, observed: [`${A}:1`] }),
      // b re-admits a.
      v(B, 1, 6, 2000, { type: 'add', member: A }),
    ];
    const again = [
      v(X, 2, 7, 5000, { type: 'remove', member: A, observed: [`${B}:1`] }),
      v(B, 2, 8, 6000, { type: 'add', member: A }),
      v(X, 3, 9, 9000, { type: 'remove', member: A, observed: [`${B}:2`] }),
    ];
    const each = gateEach(RosterState.empty(`${A}:1`), [...setup, ...again]);
    // x's second and third removes of a are its writes after its removal.
    expect(each.reasons).toEqual(['removed-member', 'removed-member']);
    expect(sorted(each.state.view.members)).toEqual(sorted([A, B]));
    expect([...each.state.view.removed]).toEqual([[X, A]]);
    // x's cut-off stays a's removal of it: its writes after are refused.
    expect(each.state.removedAt(X)).toEqual({ ms: 100, c: 0, node: A });
    // The view alone (every op held, as a replica that took them before this rule): the same.
    const all = RosterState.empty(`${A}:1`).withHeads([...setup, ...again].map((x) => ({ op: opOf(x), ts: x.ts })));
    expect(all.view.rejected.get(`${X}:2`)).toBe('author-not-member');
    expect(all.view.rejected.get(`${X}:3`)).toBe('author-not-member');
    expect(all.removedAt(X)).toEqual({ ms: 100, c: 0, node: A });
    // In one batch, and in any order, the same.
    const once = gateVersions([...again, ...setup].reverse(), RosterState.empty(`${A}:1`), () => false, 'me' as NodeId);
    expect(once.rejected.map((r) => r.reason)).toEqual(['removed-member', 'removed-member']);
    expect(sorted(once.state.view.members)).toEqual(sorted([A, B]));
    const reversed = gateEach(RosterState.empty(`${A}:1`), [...setup, ...again].reverse());
    expect(sorted(reversed.state.view.members)).toEqual(sorted([A, B]));
    expect(reversed.state.removedAt(X)).toEqual({ ms: 100, c: 0, node: A });
  });
});
