/**
 * Review (session 16): a device that founded a lattice alone and removed someone there, then joins
 * another founding by invitation, gives its own founding up (RosterService.open). The first service,
 * anchored on the device's own founding, applied its cut-offs in its constructor: the removed node's
 * writes after its removal there were refused by the node (RemoteMerge) and taken out of the store.
 * The service that replaced it starts with no cut-offs and never lifted them, so in the lattice it
 * joined, that node (a member there, here its founder) had every later write refused: the joiner
 * never saw its own admission. Cut-offs are applied only once the service that stays is chosen.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking } from '../../../../src/adapters/memory-storage';
import { testIdentity } from '../../support/test-keys';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from './roster-harness';

describe('the founding a joiner gives up', () => {
  it('leaves no cut-off of its removals behind', async () => {
    const clock = manualClock();
    const a = await rosterNode('swap-real-founder', clock);
    // c is a member of a's lattice, and d too (a's ops then sort after the other founding's).
    const { token: tc } = await a.roster.invite('https://app.example/');
    const c = await rosterNode('swap-member', clock, fakeDevice(), { invitation: tc });
    expect(await a.roster.admit(c.id, tc)).toEqual({ ok: true });
    const { token: td } = await a.roster.invite('https://app.example/');
    expect(await a.roster.admit(testIdentity('swap-other').id, td)).toEqual({ ok: true });
    deliver(c, rosterVersions(a));
    const device = fakeDevice();
    const backing = createMemoryBacking();
    const alone = await rosterNode('swap-founded-alone', clock, device, { backing });
    // Alone, it admitted c's id (as its handshake would) and removed it again.
    clock.advance(10);
    const { token: own } = await alone.roster.invite('https://app.example/');
    expect(await alone.roster.admit(c.id, own)).toEqual({ ok: true });
    clock.advance(10);
    await alone.roster.removeMember(c.id);
    expect((await alone.roster.members()).removed.map((r) => r.id)).toEqual([c.id]);
    alone.roster.close();
    // Later, a invites it into a's lattice.
    clock.advance(10);
    const { token } = await a.roster.invite('https://app.example/');
    const b = await rosterNode('swap-founded-alone', clock, device, { backing, invitation: token });
    expect(await a.roster.admit(b.id, token)).toEqual({ ok: true });
    expect(deliver(b, rosterVersions(a)).rejected).toEqual([]);
    const view = await b.roster.members();
    expect(view.founder).toBe(a.id);
    expect(view.members.map((m) => m.id).sort()).toEqual([a.id, b.id, c.id, testIdentity('swap-other').id].sort());
    // c's writes after its removal in the founding given up: c is a member here.
    clock.advance(10);
    const track = await c.node.create({ components: { position: { lat: 1, lon: 2 } } });
    const writes = [...c.node.versions()].filter((v) => v.entity === track.id);
    expect(deliver(b, writes).rejected).toEqual([]);
    expect(await b.node.get(track.id)).toBeDefined();
  });
});
