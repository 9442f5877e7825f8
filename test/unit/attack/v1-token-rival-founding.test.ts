/**
 * Attack (session 15, "a member's own earlier founding is kept as inert data"): a member signs a
 * `found {open: true}` of its own with the lowest clock (Lamport 1, its id below the founder's, as
 * a key ground for it would be) and an `add` of the inviter at the same clock (seq 2, Lamport 1). Every node keeps both (the gate keeps a
 * known author's founding as inert data, membership-gate.ts:187; an add of a member by a member is
 * taken). A device that joins with a version-1 invitation (still read, invitation-token.ts) anchors
 * on the first founding that admits its inviter (roster-anchor.ts pickAnchor without `named`): the
 * member's. It then sees the member as founder and the closed lattice as OPEN, for good (the anchor
 * is kept for the device).
 *
 * Fixed (docs/security.md, "Invitations"): a version-1 token names no founding, and nothing else in
 * it tells the lattice's from a member's, so the inviter refuses it when it holds another founding
 * that admits it (`names-no-founding`), and a joiner with one takes a founding only if it is the one
 * held that admits its inviter (roster-anchor.ts pickAnchor): with both, neither. A token naming the
 * founding (version 2, what members issue) anchors on the lattice's.
 */
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../../src/core/roster/invitation-token';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  rosterVersions,
  type RosterNode,
} from '../node/roster/roster-harness';

describe('a member’s own founding, kept as inert data, taken by a version-1 joiner', () => {
  it('a joiner with a version-1 token anchors on the lattice’s founding, not a member’s', async () => {
    const clock = manualClock();
    const a = await rosterNode('v1-founder', clock);
    // A member whose id sorts below the founder's (a hostile key is ground for it).
    let x: RosterNode | undefined;
    for (let i = 0; x === undefined; i++) {
      const { token } = await a.roster.invite('https://app.example/');
      const m = await rosterNode(`v1-member-${i}`, clock, fakeDevice(), { invitation: token });
      if (m.id < a.id) {
        expect(await a.roster.admit(m.id, token)).toEqual({ ok: true });
        x = m;
      }
    }
    deliver(x, rosterVersions(a));
    clock.advance(1000);
    const found = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 1, type: 'found', open: true });
    const addA = await x.node.writeRosterOp({ author: x.id, seq: 2, lamport: 1, type: 'add', member: a.id });
    expect(deliver(a, [found!, addA!]).rejected).toEqual([]);
    expect((await a.roster.members()).open).toBe(false);

    // An invitation from an older build (version 1: no anchor named).
    const { token } = await a.roster.invite('https://app.example/');
    const decoded = decodeToken(token)!;
    const { anchor: _named, ...rest } = decoded;
    const v1 = encodeToken(rest);
    const j = await rosterNode('v1-joiner', clock, fakeDevice(), { invitation: v1 });
    const admitted = await a.roster.admit(j.id, v1);
    expect(admitted.ok).toBe(false);
    expect(!admitted.ok && admitted.reason).toContain('names no founding');
    // Even holding the inviter's roster (both foundings), the joiner takes neither.
    deliver(j, rosterVersions(a));
    const onJ = await j.roster.members();
    const onA = await a.roster.members();
    console.log(
      `v1 joiner: anchor ${j.roster.current.anchor} (a's ${a.roster.current.anchor}); founder at j ${onJ.founder === x.id ? 'the member' : onJ.founder === a.id ? 'the founder' : onJ.founder}, open at j ${onJ.open}, at a ${onA.open}`,
    );
    expect(j.roster.current.anchor).toBeUndefined();
    expect(onJ.founder).toBeUndefined();
    expect(onJ.open).toBe(false);
    // And it says why it waits (review, session 16: it waited for good with no message).
    expect(onJ.joinRefused?.by).toBe(a.id);
    expect(onJ.joinRefused?.reason).toContain('names-no-founding');

    // The same invitation as members issue it (naming the founding): anchored on the lattice's.
    const { token: v2 } = await a.roster.invite('https://app.example/');
    const k = await rosterNode('v2-joiner', clock, fakeDevice(), { invitation: v2 });
    expect(await a.roster.admit(k.id, v2)).toEqual({ ok: true });
    deliver(k, rosterVersions(a));
    const onK = await k.roster.members();
    expect(onK.founder).toBe(a.id);
    expect(onK.open).toBe(false);
  });

  it('a version-1 token still admits and anchors where one founding admits its inviter', async () => {
    const clock = manualClock();
    const a = await rosterNode('v1-only-founder', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const { anchor: _named, ...rest } = decodeToken(token)!;
    const v1 = encodeToken(rest);
    const j = await rosterNode('v1-only-joiner', clock, fakeDevice(), { invitation: v1 });
    expect(await a.roster.admit(j.id, v1)).toEqual({ ok: true });
    deliver(j, rosterVersions(a));
    expect(j.roster.current.anchor).toBe(a.roster.current.anchor);
    expect((await j.roster.members()).members.map((m) => m.id).sort()).toEqual([a.id, j.id].sort());
  });
});
