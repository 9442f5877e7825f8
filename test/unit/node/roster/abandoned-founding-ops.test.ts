/**
 * A device that founded a lattice alone, then joins another by invitation, gives its founding up
 * (RosterService.open; docs/security.md, "The anchor: which founding counts" and "Founding and
 * siblings"). The roster ops it and its tabs wrote under the founding given up stay in their stores
 * and are served with the rest once they are members of the lattice joined. The view orders ops by
 * Lamport clock alone, and the solo lattice's clocks may run past the joined lattice's, so those
 * ops sorted after the joiner's admission there and took effect: a device it had admitted and
 * removed alone was removed from the lattice joined (refused at every member's handshake, even
 * with a member's invitation), and a device one of its tabs admitted alone became a member without
 * any member of the joined lattice admitting it.
 *
 * The rule: a roster op counts only if written after an admission of its author that counts
 * (stamped after it): one written before its author was admitted there was written under another
 * founding, or by a node that was not a member. Sibling tabs are admitted in the lattice joined
 * as there (a member writes a tab's `add` when it meets it).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking } from '../../../../src/adapters/memory-storage';
import type { NodeId } from '../../../../src/core/ids';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';
import {
  deliver,
  fakeDevice,
  gateEach,
  invitedNode,
  manualClock,
  rosterNode,
  rosterOpVersion as v,
  rosterVersions,
} from './roster-harness';

const ids = (s: Iterable<NodeId>): NodeId[] => [...s].sort();

describe('roster ops written under a founding its device gave up', () => {
  it('take no effect in the lattice it joined', async () => {
    const clock = manualClock();
    const a = await rosterNode('ab-founder', clock);
    const m = await invitedNode(a, 'ab-member', clock);
    deliver(m, rosterVersions(a));

    // The device founds alone, with a tab of its own; its clocks run ahead of a's lattice's.
    const device = fakeDevice();
    const backing = createMemoryBacking();
    clock.advance(1_000);
    const alone = await rosterNode('ab-alone', clock, device, { backing });
    const tab = await rosterNode('ab-alone-tab', clock, device);
    expect(await alone.roster.admit(tab.id, undefined)).toEqual({ ok: true });
    // Alone, it admits devices and removes them again (its roster's clock runs on).
    for (const name of ['ab-s1', 'ab-s2', 'ab-s3'])
      await alone.roster.removeMember((await invitedNode(alone, name, clock)).id);
    // Alone, it admits device e and removes it again.
    const e = await invitedNode(alone, 'ab-e', clock);
    await alone.roster.removeMember(e.id);
    // Its tab holds all that and admits device g (an invitation of its own): the device's own
    // store does not have that op (it never synced it), so the device still counts as alone.
    deliver(tab, rosterVersions(alone));
    const g = await invitedNode(tab, 'ab-g', clock);
    expect(ids(tab.roster.current.view.members)).toContain(g.id);
    expect(ids(alone.roster.current.view.members)).toEqual(ids([alone.id, tab.id]));
    alone.roster.close();
    await alone.node.flushed();
    await alone.node.close();

    // The device joins a's lattice by invitation.
    clock.advance(60_000);
    const { token } = await a.roster.invite('https://app.example/');
    const b = await rosterNode('ab-alone', clock, device, { backing, invitation: token });
    expect(await a.roster.admit(b.id, token)).toEqual({ ok: true });
    expect(deliver(b, rosterVersions(a)).rejected).toEqual([]);
    expect(b.roster.current.view.founder).toBe(a.id);
    // Its tab is admitted there as its sibling; the tab's ops come along.
    clock.advance(1_000);
    expect(await b.roster.admit(tab.id, undefined)).toEqual({ ok: true });
    deliver(b, rosterVersions(tab));
    // Members sync with it.
    deliver(a, rosterVersions(b));
    deliver(m, rosterVersions(a));

    for (const n of [a, b, m]) {
      const { view } = n.roster.current;
      expect(view.founder).toBe(a.id);
      expect(ids(view.members)).toEqual(ids([a.id, m.id, b.id, tab.id]));
      // Nobody in a's lattice removed e or admitted g.
      expect(ids(view.removed.keys())).toEqual([]);
    }
    // A member can invite e (it was never removed from this lattice).
    const { token: forE } = await a.roster.invite('https://app.example/');
    expect(await a.roster.admit(e.id, forE)).toEqual({ ok: true });
    // g is refused at the handshake without an invitation of this lattice.
    expect((await a.roster.admit(g.id, undefined)).ok).toBe(false);
  });

  it('an admission stamped before the first lets the ops in between count, for the batch’s later checks as one by one', () => {
    const [A, M, E] = ['aa', 'mm', 'ee'] as NodeId[] as [NodeId, NodeId, NodeId];
    let state = RosterState.empty(`${A}:1`);
    for (const op of [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 100, { type: 'add', member: M }),
      // m's add of e, stamped before m's admission: without effect.
      v(M, 1, 5, 50, { type: 'add', member: E }),
    ])
      state = gateVersions([op], state, () => false, 'me' as NodeId).state;
    expect(state.view.rejected.get(`${M}:1`)).toBe('before-admission');
    const batch = [
      // An admission of m ordered before m's op and stamped before it: the op counts, e is a member.
      v(A, 3, 3, 40, { type: 'add', member: M }),
      // e's own roster op, checked after it in the batch: e must be known by then.
      v(E, 1, 6, 60, { type: 'add', member: 'ff' as NodeId }),
    ];
    const once = gateVersions(batch, state, () => false, 'me' as NodeId);
    const each = gateEach(state, batch);
    expect(each.accepted).toHaveLength(2);
    expect(once.accepted).toEqual(each.accepted);
  });

  it('a member’s op stays when a remove and a re-invite of it are concurrent: its first admission counts', () => {
    const [A, B, R, X, Y] = ['aa', 'bb', 'rr', 'xx', 'yy'] as NodeId[] as [NodeId, NodeId, NodeId, NodeId, NodeId];
    const ops = [
      v(A, 1, 1, 1, { type: 'found', open: false }),
      v(A, 2, 2, 10, { type: 'add', member: B }),
      v(A, 3, 3, 11, { type: 'add', member: R }),
      // x admitted at 20.
      v(A, 4, 4, 20, { type: 'add', member: X }),
      // Concurrently: r removes x having seen only a's add of it; b re-invites x (b's clock ahead).
      v(R, 1, 5, 40, { type: 'remove', member: X, observed: [`${A}:4`] }),
      v(B, 1, 5, 60, { type: 'add', member: X }),
      // x, a member since 20 when it wrote it, adds y at 30.
      v(X, 1, 5, 30, { type: 'add', member: Y }),
    ];
    const each = gateEach(RosterState.empty(`${A}:1`), ops);
    expect(each.reasons).toEqual([]);
    expect(each.state.view.rejected.has(`${X}:1`)).toBe(false);
    expect([...each.state.view.members].sort()).toEqual([A, B, R, X, Y].sort());
    // In one batch, and in the other order, the same.
    const once = gateVersions([...ops].reverse(), RosterState.empty(`${A}:1`), () => false, 'me' as NodeId);
    expect(once.rejected).toEqual([]);
    expect([...once.state.view.members].sort()).toEqual([A, B, R, X, Y].sort());
  });
});
