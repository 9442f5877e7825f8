/**
 * A removed device knows it stands removed, and refuses its own new writes at the door
 * (docs/security.md, "A removed device"): every member refuses them (the gate's `removed-member`),
 * and nothing the node accepts is something it cannot send. It keeps its picture (reads go on) and
 * its earlier writes; admitted again, it writes again. Before, the node took its late writes
 * (shown locally, approval prompts and all) while every member refused them.
 */
import { describe, expect, it } from 'vitest';
import { asNodeId } from '../../../../src/core/ids';
import { fingerprint } from '../../../../src/core/roster/fingerprint';
import { valueOfOp } from '../../../../src/core/roster/roster-entity';
import { approvalOf, refresh, threatOf, track } from '../c2/gate-fixtures';
import { ManualClock, openNode, settle } from '../c2/manual-node';
import { deliver, fakeDevice, invitedNode, manualClock, rosterNode, rosterVersions } from './roster-harness';

describe('a device removed from the lattice', () => {
  it('says it stands removed, refuses every local write with the removal named, and writes again once re-admitted', async () => {
    const clock = manualClock();
    const a = await rosterNode('remover', clock, undefined, { lattice: 'ops' });
    const b = await invitedNode(a, 'removed', clock);
    deliver(b, rosterVersions(a));
    expect((await b.roster.members()).founder).toBe(a.id);
    await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
    expect((await b.roster.members()).selfRemoved).toBeUndefined();

    clock.advance(1000);
    await a.roster.removeMember(b.id);
    // b merges the removal (the remove op, signed by a member): its roster's view says so.
    const out = deliver(b, rosterVersions(a));
    expect(out.rejected).toEqual([]);
    const roster = await b.roster.members();
    const removeStamp = a.roster.current.removedAt(b.id)!;
    expect(roster.selfRemoved).toEqual({ by: a.id, byFingerprint: fingerprint(a.id), at: removeStamp.ms });
    expect(roster.removed.map((r) => r.id)).toEqual([b.id]);

    const why =
      `this device was removed from lattice ops by ${fingerprint(a.id)} at ` +
      `${new Date(removeStamp.ms).toISOString()}; its writes are no longer accepted`;
    const before = (await b.node.stats()).writes.local;
    const calls: [string, () => Promise<unknown>][] = [
      ['create', () => b.node.create({ id: 'trk-after', components: { speed: { kts: 6 } } })],
      ['update', () => b.node.update('trk-before', { speed: { kts: 7 } })],
      ['remove', () => b.node.remove('trk-before')],
      ['writeMany', () => b.node.writeMany([{ id: 'trk-many', components: { speed: { kts: 8 } } }])],
      ['simulate', () => b.node.simulate({ eo: { tracks: 1, hz: 1 } })],
      ['decide', () => b.node.decide('trk-before', 'approve')],
    ];
    for (const [name, call] of calls) {
      await expect(call(), name).rejects.toThrow(why);
    }
    const stats = await b.node.stats();
    expect(stats.rejected['removed-from-lattice']).toBe(calls.length);
    expect(stats.writes.local).toBe(before);
    // Reads go on; its earlier write stays, as it wrote it.
    expect(await b.node.get('trk-after')).toBeUndefined();
    expect((await b.node.get('trk-before'))?.components.speed).toEqual({ kts: 5 });
    expect((await b.node.list()).map((v) => v.id)).toEqual(['trk-before']);

    // a member admits b again (a later add of it): b's writes are accepted again.
    clock.advance(1000);
    await a.node.writeRosterOp(valueOfOp(a.roster.current.next(a.id, { type: 'add', member: b.id })));
    deliver(b, rosterVersions(a));
    expect((await b.roster.members()).selfRemoved).toBeUndefined();
    await b.node.update('trk-before', { speed: { kts: 9 } });
    expect((await b.node.get('trk-before'))?.components.speed).toEqual({ kts: 9 });
  });

  it('still stands removed, and refuses writes, when it opens again', async () => {
    const clock = manualClock();
    const a = await rosterNode('remover-2', clock);
    const device = fakeDevice();
    const { token } = await a.roster.invite('https://app.example/');
    const b = await rosterNode('removed-2', clock, device, { invitation: token });
    expect(await a.roster.admit(b.id, token)).toEqual({ ok: true });
    deliver(b, rosterVersions(a));
    await b.node.create({ id: 'trk-before', components: { speed: { kts: 5 } } });
    clock.advance(1000);
    await a.roster.removeMember(b.id);
    deliver(b, rosterVersions(a));
    await b.node.flushed();
    await b.node.close();
    // The device trusts a's founding (its anchor): it reopens in a's lattice, without the invitation.
    const again = await rosterNode('removed-2', clock, device, { backing: b.backing });
    expect((await again.roster.members()).founder).toBe(a.id);
    expect((await again.roster.members()).selfRemoved?.by).toBe(a.id);
    expect((await again.node.get('trk-before'))?.components.speed).toEqual({ kts: 5 });
    await expect(again.node.create({ components: { speed: { kts: 1 } } })).rejects.toThrow(/was removed from lattice/);
  });
});

describe('a node told it stands removed while its simulator runs', () => {
  it('stops the simulator and refuses to start it again until it is a member again', async () => {
    const clock = new ManualClock();
    const { node } = await openNode(clock, 'sim-node');
    await node.simulate({ eo: { tracks: 2, hz: 2 }, seed: 7 });
    await clock.advance(2_000);
    const tracks = (await node.list()).length;
    expect(tracks).toBe(2);
    node.standRemoved({ by: asNodeId('remover'), byFingerprint: 'abcd', at: clock.now });
    await clock.advance(1);
    expect((await node.info()).simulation?.running).toBe(false);
    const written = (await node.stats()).writes.local;
    await clock.advance(3_000);
    expect((await node.stats()).writes.local).toBe(written);
    await expect(node.simulate({ eo: { tracks: 2, hz: 2 }, seed: 7 })).rejects.toThrow(
      /^simulate: this device was removed from lattice test by abcd/,
    );
    node.standRemoved(undefined);
    await node.simulate({ eo: { tracks: 2, hz: 2 }, seed: 7 });
    expect((await node.info()).simulation?.running).toBe(true);
    await node.stopSimulation();
  });
});

/**
 * The node's automatic writers, the classifier and the approval gate, go idle while it stands
 * removed (docs/security.md, "A removed device"), and take up their work once it is a member again.
 * Before, each kept writing: every write refused and counted, the gate's retried with a backoff for
 * as long as the removal stood, so rejected['removed-from-lattice'] no longer counted refused calls.
 */
describe('the classifier and the approval gate of a removed node', () => {
  const removal = (at: number) => ({ by: asNodeId('remover'), byFingerprint: 'abcd', at });

  async function pendingRequest(clock: ManualClock, id: string) {
    const { node } = await openNode(clock, id);
    await node.setApprovalDeadline(6_000);
    await node.create({ id: 'h1', components: track() });
    await clock.advance(1_000);
    const [request] = await node.approvals();
    expect(request).toMatchObject({ entityId: 'h1', state: 'pending' });
    return { node, request: request! };
  }

  it('write nothing while it stands removed, and settle what fell due once it is a member again', async () => {
    const clock = new ManualClock();
    const { node, request } = await pendingRequest(clock, 'idle-node');
    const written = (await node.stats()).writes.local;
    node.standRemoved(removal(clock.now));
    // The request's deadline passes and the track's cue fades (both would be written), for a minute.
    await clock.advance(60_000);
    expect(clock.now).toBeGreaterThan(request.deadline);
    const stats = await node.stats();
    expect(stats.rejected['removed-from-lattice'] ?? 0).toBe(0);
    expect(stats.writes.local).toBe(written);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'pending' });

    node.standRemoved(undefined);
    await clock.advance(1);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out', decidedBy: 'auto' });
    // The classifier judged the faded cue again: the threat it had raised is let go.
    expect(await threatOf(node, 'h1')).not.toBe('HIGH');
    expect((await node.stats()).rejected['removed-from-lattice'] ?? 0).toBe(0);
  });

  it('refuses, at the gate path, a time-out write under way as the removal lands: counted once, not retried', async () => {
    const clock = new ManualClock();
    const { node, request } = await pendingRequest(clock, 'race-node');
    await clock.advance(request.deadline - clock.now - 500);
    await refresh(node, 'h1');
    // The deadline fires (the gate's settle is queued), and in the same turn the removal lands:
    // the settle's time-out write reaches LocalWrites.updateBasedOn with the node removed.
    clock.now = request.deadline;
    node.tick();
    node.standRemoved(removal(clock.now));
    await settle();
    expect((await node.stats()).rejected['removed-from-lattice']).toBe(1);
    // A minute on, still once: no backoff retries (each refused and counted again).
    await clock.advance(60_000);
    expect((await node.stats()).rejected['removed-from-lattice']).toBe(1);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'pending' });

    node.standRemoved(undefined);
    await clock.advance(1);
    expect(await approvalOf(node, 'h1')).toMatchObject({ state: 'timed_out', decidedBy: 'auto' });
  });
});
