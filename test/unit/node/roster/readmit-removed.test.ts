/**
 * A member invites a removed device again (issue 12: "removal wins over a concurrent re-add by the
 * removed node itself", so a re-add by another member is a product path; docs/security.md,
 * "Admission"). The removed device presents a fresh invitation at the handshake and the member
 * admits it: the `add` is written, it stands a member again on every node, its banner goes and its
 * writes are accepted everywhere. An invitation issued before the removal (one the device may have
 * seen, unused) stays refused, and so does the device's own attempt. Before, the handshake refused
 * a removed peer whatever it presented.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../../src/core/merge/version';
import {
  deliver,
  fakeDevice,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
  type RosterNode,
} from './roster-harness';

/** The versions of one entity a node holds. */
const entityVersions = (n: RosterNode, entity: string): Version[] =>
  [...n.node.versions()].filter((v) => v.entity === entity);

async function removedDevice() {
  const clock = manualClock();
  const device = fakeDevice();
  const a = await rosterNode('readmit-founder', clock);
  const c = await invitedNode(a, 'readmit-member', clock);
  const { token } = await a.roster.invite('https://app.example/');
  const b = await rosterNode('readmit-removed', clock, device, { invitation: token });
  expect(await a.roster.admit(b.id, token)).toEqual({ ok: true });
  for (const n of [b, c]) deliver(n, rosterVersions(a));
  await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
  for (const n of [a, c]) deliver(n, entityVersions(b, 'trk-before'));
  // An invitation a issued before the removal, still unused: the device may have seen it.
  const stale = (await a.roster.invite('https://app.example/')).token;
  clock.advance(1000);
  await a.roster.removeMember(b.id);
  for (const n of [b, c]) deliver(n, rosterVersions(a));
  expect((await b.roster.members()).selfRemoved?.by).toBe(a.id);
  return { clock, device, a, b, c, stale };
}

describe('a removed device invited again', () => {
  it('is admitted with a fresh invitation from a member: a member again on every node, its writes accepted', async () => {
    const { clock, a, b, c } = await removedDevice();
    // Without an invitation it is still refused, naming the removal.
    expect(await c.roster.admit(b.id, undefined)).toMatchObject({
      ok: false,
      reason: `${b.id} was removed from lattice ops by ${a.id}`,
    });

    clock.advance(1000);
    // Another member than its remover invites it (window.lattice.invite()), and admits it at the handshake.
    const { token } = await c.roster.invite('https://app.example/');
    expect(await c.roster.admit(b.id, token)).toEqual({ ok: true });
    for (const n of [a, b]) expect(deliver(n, rosterVersions(c)).rejected).toEqual([]);

    for (const n of [a, b, c]) {
      const members = await n.roster.members();
      expect(
        members.members.map((m) => m.id),
        n.id,
      ).toContain(b.id);
      expect(members.removed, n.id).toEqual([]);
      expect(members.selfRemoved, n.id).toBeUndefined();
      // Its refusal (as removed, at c) is not listed next to it as a member.
      expect(
        members.refused.map((r) => r.id),
        n.id,
      ).not.toContain(b.id);
    }
    // Its cut-off lifts: its writes are taken again everywhere.
    await b.node.update('trk-before', { speed: { kts: 9 } });
    await b.node.create({ id: 'trk-again', components: { speed: { kts: 3 } } });
    for (const n of [a, c]) {
      const written = [...entityVersions(b, 'trk-before'), ...entityVersions(b, 'trk-again')];
      const out = n.roster.gate(written);
      expect(out.rejected, n.id).toEqual([]);
      n.node.applyRemote(out.accepted);
      expect((await n.node.get('trk-before'))?.components.speed, n.id).toEqual({ kts: 9 });
      expect((await n.node.get('trk-again'))?.components.speed, n.id).toEqual({ kts: 3 });
    }
  });

  it('reopened with the invitation link (join() reloads the page), presents it and is admitted by its remover', async () => {
    const { clock, device, a, b } = await removedDevice();
    clock.advance(1000);
    const { token } = await a.roster.invite('https://app.example/');
    await b.node.flushed();
    await b.node.close();
    b.roster.close();
    const again = await rosterNode('readmit-removed', clock, device, { backing: b.backing, invitation: token });
    // Its device keeps a's founding (no founding given up), it still stands removed, and presents the token.
    expect((await again.roster.members()).founder).toBe(a.id);
    expect((await again.roster.members()).selfRemoved?.by).toBe(a.id);
    expect(again.roster.invitation).toBe(token);
    expect(await again.roster.admit(a.id, undefined)).toEqual({ ok: true });
    expect(await a.roster.admit(again.id, token)).toEqual({ ok: true });
    deliver(again, rosterVersions(a));
    expect((await again.roster.members()).selfRemoved).toBeUndefined();
    await again.node.create({ id: 'trk-back', components: { speed: { kts: 4 } } });
    const out = deliver(a, entityVersions(again, 'trk-back'));
    expect(out.rejected).toEqual([]);
    expect((await a.node.get('trk-back'))?.components.speed).toEqual({ kts: 4 });
  });

  it('is refused with an invitation issued before its removal, and the invitation stays unused', async () => {
    const { clock, a, b, stale } = await removedDevice();
    clock.advance(1000);
    const verdict = await a.roster.admit(b.id, stale);
    expect(verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        new RegExp(
          `^${b.id} was removed from lattice ops by ${a.id}; invitation refused: the invitation was issued before ${b.id} was removed; a member must issue a new one`,
        ),
      ),
    });
    const members = await a.roster.members();
    expect(members.removed.map((r) => r.id)).toEqual([b.id]);
    expect(members.refused).toEqual([expect.objectContaining({ id: b.id, reason: verdict.ok ? '' : verdict.reason })]);
    // Nothing was written: b is no member anywhere, and the stale token still admits someone new.
    expect(members.members.map((m) => m.id)).not.toContain(b.id);
    const newcomer = await rosterNode('readmit-newcomer', clock, fakeDevice(), { invitation: stale });
    expect(await a.roster.admit(newcomer.id, stale)).toEqual({ ok: true });
  });

  it('an invitation issued before the removal is still refused after a restart of the issuer (the issue time is kept)', async () => {
    const { clock, a, b, stale } = await removedDevice();
    await a.node.flushed();
    await a.node.close();
    a.roster.close();
    const reopened = await rosterNode('readmit-founder', clock, fakeDevice(), { backing: a.backing });
    clock.advance(1000);
    expect(await reopened.roster.admit(b.id, stale)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/invitation refused: the invitation was issued before/),
    });
    const fresh = (await reopened.roster.invite('https://app.example/')).token;
    await reopened.node.flushed();
    await reopened.node.close();
    reopened.roster.close();
    const third = await rosterNode('readmit-founder', clock, fakeDevice(), { backing: a.backing });
    expect(await third.roster.admit(b.id, fresh)).toEqual({ ok: true });
  });

  it('cannot bring itself back: it cannot invite, and its own add of itself is rejected', async () => {
    const { clock, a, b } = await removedDevice();
    await expect(b.roster.invite('https://app.example/')).rejects.toThrow(/only a member/);
    clock.advance(1000);
    // Its own add of itself, written under its key (signed), is without effect at the member.
    const own = await b.node.writeRosterOp({
      author: b.id,
      seq: b.roster.current.next(b.id, { type: 'add', member: b.id }).seq,
      lamport: b.roster.current.next(b.id, { type: 'add', member: b.id }).lamport,
      type: 'add',
      member: b.id,
    });
    expect(own).toBeDefined();
    deliver(a, rosterVersions(b));
    expect((await a.roster.members()).removed.map((r) => r.id)).toEqual([b.id]);
    expect(await a.roster.admit(b.id, undefined)).toMatchObject({
      ok: false,
      reason: `${b.id} was removed from lattice ops by ${a.id}`,
    });
  });

  it('its writes refused at its own door while removed are nowhere after it is admitted again', async () => {
    const { clock, a, b, c } = await removedDevice();
    clock.advance(1000);
    await expect(b.node.create({ id: 'trk-while-removed', components: { speed: { kts: 1 } } })).rejects.toThrow(
      /was removed from lattice ops/,
    );
    await expect(b.node.update('trk-before', { speed: { kts: 2 } })).rejects.toThrow(/was removed from lattice ops/);
    clock.advance(1000);
    const { token } = await c.roster.invite('https://app.example/');
    expect(await c.roster.admit(b.id, token)).toEqual({ ok: true });
    for (const n of [a, b]) deliver(n, rosterVersions(c));
    // Everything b holds goes to the members: the refused writes are not among it.
    for (const n of [a, c]) {
      expect(deliver(n, [...b.node.versions()]).rejected, n.id).toEqual([]);
      expect(await n.node.get('trk-while-removed'), n.id).toBeUndefined();
      expect((await n.node.get('trk-before'))?.components.speed, n.id).toEqual({ kts: 5 });
    }
    expect(await b.node.get('trk-while-removed')).toBeUndefined();
    expect((await b.node.get('trk-before'))?.components.speed).toEqual({ kts: 5 });
  });
});
