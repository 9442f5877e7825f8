/**
 * The admission decision the link handshake will call (src/node/security/admission-policy.ts),
 * every verdict path, and the invitation ledger kept in the node's storage across a restart.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { DEFAULT_INVITATION_TTL_MS } from '../../../../src/core/roster/invitation-ledger';

import type { Admission, AdmissionVerdict } from '../../../../src/node/mesh/mesh-types';
import { admissionPolicy } from '../../../../src/node/security/admission-policy';
import { testIdentity } from '../../support/test-keys';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from './roster-harness';

const ask = async (admit: Admission, peer: NodeId, invitation?: string): Promise<AdmissionVerdict> =>
  admit(peer, invitation);

describe('admission policy', () => {
  it('admits a member, refuses a stranger without an invitation with a clear reason', async () => {
    const clock = manualClock();
    const a = await rosterNode('gatekeeper', clock);
    expect(await ask(a.roster.admit, a.id)).toEqual({ ok: true });
    const stranger = testIdentity('nobody').id;
    const verdict = await ask(a.roster.admit, stranger);
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/not a member of lattice ops.*invitation/) });
    // The peers panel lists it with the reason.
    expect((await a.roster.members()).refused).toEqual([expect.objectContaining({ id: stranger })]);
  });

  it('admits a sibling tab by writing its add op', async () => {
    const clock = manualClock();
    const device = fakeDevice();
    const a = await rosterNode('sib-a', clock, device);
    device.ids.add(testIdentity('sib-b').id);
    expect(await ask(a.roster.admit, testIdentity('sib-b').id)).toEqual({ ok: true });
    expect((await a.roster.members()).members.map((m) => m.id)).toContain(testIdentity('sib-b').id);
  });

  it('redeems a good invitation once: add op with its nonce; a reuse, an expired or another member’s token is refused', async () => {
    const clock = manualClock();
    const a = await rosterNode('issuer', clock);
    const other = await rosterNode('other-founder', clock, fakeDevice(), { lattice: 'ops' });
    const joiner = testIdentity('invitee').id;
    const second = testIdentity('second-invitee').id;
    const { token } = await a.roster.invite('https://app.example/');
    expect(await ask(a.roster.admit, joiner, token)).toEqual({ ok: true });
    const members = await a.roster.members();
    expect(members.members.map((m) => m.id)).toContain(joiner);
    expect(await ask(a.roster.admit, second, token)).toEqual({
      ok: false,
      reason: expect.stringMatching(/already used/),
    });
    const foreign = (await other.roster.invite('https://app.example/')).token;
    expect(await ask(a.roster.admit, second, foreign)).toEqual({
      ok: false,
      reason: expect.stringMatching(/issued by/),
    });
    const late = (await a.roster.invite('https://app.example/')).token;
    clock.advance(DEFAULT_INVITATION_TTL_MS + 60_000);
    expect(await ask(a.roster.admit, second, late)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(await ask(a.roster.admit, second, 'garbage')).toEqual({
      ok: false,
      reason: expect.stringMatching(/damaged or not an invitation/),
    });
  });

  it('refuses a removed member, naming who removed it, with the signed ops of its removal', async () => {
    const clock = manualClock();
    const a = await rosterNode('remover', clock);
    const b = testIdentity('to-remove').id;
    const { token } = await a.roster.invite('https://app.example/');
    await ask(a.roster.admit, b, token);
    await a.roster.removeMember(b);
    const verdict = await ask(a.roster.admit, b);
    expect(verdict).toEqual({
      ok: false,
      reason: `${b} was removed from lattice ops by ${a.id}`,
      removal: expect.any(Array),
    });
    // The remove first, then its author's admission (a's founding): versions as the store holds them.
    const removal = verdict.ok ? [] : (verdict.removal ?? []);
    expect(removal.map((v) => (v.value as { type: string }).type)).toEqual(['remove', 'found']);
    expect(removal.every((v) => v.sig !== undefined || v.proof !== undefined)).toBe(true);
  });

  it('admits anyone in an open lattice; a joiner admits only its inviter (and its own tabs) until it holds the roster', async () => {
    const clock = manualClock();
    const open = await rosterNode('open-gate', clock, fakeDevice(), { open: true });
    expect(await ask(open.roster.admit, testIdentity('walk-in').id)).toEqual({ ok: true });
    const a = await rosterNode('for-joiner', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const device = fakeDevice();
    const joiner = await rosterNode('pending-joiner', clock, device, { invitation: token });
    expect(await ask(joiner.roster.admit, a.id)).toEqual({ ok: true });
    // A stranger who knows the lattice and the inviter could show a founding of its own making.
    expect(await ask(joiner.roster.admit, testIdentity('usurper').id)).toEqual({
      ok: false,
      reason: expect.stringMatching(/still joining lattice ops: it syncs with its inviter first/),
    });
    device.ids.add(testIdentity('joiner-tab').id);
    expect(await ask(joiner.roster.admit, testIdentity('joiner-tab').id)).toEqual({ ok: true });
  });

  it('gives an invitation back when the add op cannot be written, so the device can try again', async () => {
    const clock = manualClock();
    const a = await rosterNode('flaky-issuer', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const joiner = testIdentity('unlucky').id;
    const real = a.node.writeRosterOp.bind(a.node);
    let fail = true;
    a.node.writeRosterOp = ((...args: Parameters<typeof real>) =>
      fail ? Promise.reject(new Error('storage full')) : real(...args)) as typeof real;
    expect(await ask(a.roster.admit, joiner, token)).toEqual({
      ok: false,
      reason: expect.stringMatching(/storage full/),
    });
    fail = false;
    expect(await ask(a.roster.admit, joiner, token)).toEqual({ ok: true });
  });

  it('refuses when admission fails on the way (a write or the ledger), with the error', async () => {
    const admit = admissionPolicy({
      lattice: 'ops',
      self: 'f' as NodeId,
      inviter: undefined,
      release: () => Promise.resolve(),
      view: () => ({
        founder: 'f' as NodeId,
        open: false,
        members: new Set(['f' as NodeId]),
        removed: new Map(),
        rejected: new Map(),
      }),
      isSibling: () => true,
      redeem: () => Promise.reject(new Error('unused')),
      add: () => Promise.reject(new Error('storage full')),
    });
    expect(await ask(admit, 'peer' as NodeId)).toEqual({ ok: false, reason: 'admission failed: storage full' });
  });
});

describe('roster calls', () => {
  it('the ledger survives a restart: a token used before is refused as used after it', async () => {
    const clock = manualClock();
    const device = fakeDevice();
    const a = await rosterNode('persistent', clock, device);
    const { token, url } = await a.roster.invite('https://app.example/path?x=1');
    expect(url).toMatch(/^https:\/\/app\.example\/path\?lattice=ops&invite=/);
    expect(await ask(a.roster.admit, testIdentity('first').id, token)).toEqual({ ok: true });
    await a.node.flushed();
    await a.node.close();
    const again = await rosterNode('persistent', clock, device, { backing: a.backing });
    expect(await ask(again.roster.admit, testIdentity('second').id, token)).toEqual({
      ok: false,
      reason: expect.stringMatching(/already used/),
    });
  });

  it('removeMember refuses a non-member and the founder removing itself', async () => {
    const a = await rosterNode('strict', manualClock());
    await expect(a.roster.removeMember(testIdentity('never').id)).rejects.toThrow(/is not a member/);
    await expect(a.roster.removeMember(a.id)).rejects.toThrow(/founder cannot remove itself/);
    await expect(a.roster.removeMember('not an id')).rejects.toThrow(/invalid node id/);
  });

  it('a device that founded a lattice alone on an earlier visit joins it by invitation, and keeps the inviter’s founding', async () => {
    const clock = manualClock();
    const a = await rosterNode('real-founder', clock);
    const device = fakeDevice();
    const first = await rosterNode('early-visitor', clock, device);
    expect((await first.roster.members()).founder).toBe(first.id);
    await first.node.flushed();
    await first.node.close();
    const { token } = await a.roster.invite('https://app.example/');
    const again = await rosterNode('early-visitor', clock, device, { invitation: token, backing: first.backing });
    // Joining: its own founding no longer counts; it links with its inviter, who admits it.
    expect((await again.roster.members()).founder).toBeUndefined();
    expect(await ask(again.roster.admit, a.id)).toEqual({ ok: true });
    expect(await ask(a.roster.admit, again.id, token)).toEqual({ ok: true });
    expect(deliver(again, rosterVersions(a)).rejected).toEqual([]);
    const joined = await again.roster.members();
    expect(joined.founder).toBe(a.id);
    expect(joined.members.map((m) => m.id)).toContain(again.id);
    // The device now trusts the inviter's founding (its other tabs too).
    await new Promise((r) => setTimeout(r, 0));
    const anchor = await device.anchor('ops');
    expect(anchor).not.toBe(undefined);
    expect(anchor!.startsWith(`${a.id}:`)).toBe(true);
  });

  it('only a member invites', async () => {
    const clock = manualClock();
    const a = await rosterNode('for-pending', clock);
    const { token } = await a.roster.invite('https://app.example/');
    const pending = await rosterNode('not-yet', clock, fakeDevice(), { invitation: token });
    await expect(pending.roster.invite('https://app.example/')).rejects.toThrow(/only a member/);
  });
});
