/**
 * Review (session 16): the roster keeps each removed member's cut-off as last withdrawn at
 * (RosterService.applyCutoffs), but started with none, so any lattice that ever removed someone had
 * the store searched for late writes (EntityStore.withdraw, every entity) at each open. The cut-offs
 * the store was withdrawn at are kept in the withdrawal's own commit; at start an unchanged one is
 * set again (refused at the node) without the search. Counted, not timed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBacking } from '../../../../src/adapters/memory-storage';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from './roster-harness';

describe('removal cut-offs at start', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a reopen with the same removals does not search the store, and still refuses the late writes', async () => {
    const clock = manualClock();
    const device = fakeDevice();
    const backing = createMemoryBacking();
    const a = await rosterNode('cut-founder', clock, device, { backing });
    const { token } = await a.roster.invite('https://app.example/');
    const y = await rosterNode('cut-member', clock, fakeDevice(), { invitation: token });
    expect(await a.roster.admit(y.id, token)).toEqual({ ok: true });
    deliver(y, rosterVersions(a));
    clock.advance(10);
    await a.roster.removeMember(y.id);
    // y, not told yet, writes after its removal.
    clock.advance(10);
    const late = await y.node.create({ components: { position: { lat: 1, lon: 2 } } });
    const lateWrites = [...y.node.versions()].filter((v) => v.entity === late.id);
    await a.node.flushed();
    a.roster.close();

    const scans = vi.spyOn(EntityStore.prototype, 'withdraw');
    const searched = (): number => scans.mock.calls.filter(([cutoffs]) => cutoffs.size > 0).length;
    const again = await rosterNode('cut-founder', clock, device, { backing });
    expect((await again.roster.members()).removed.map((r) => r.id)).toEqual([y.id]);
    expect(searched()).toBe(0);
    // Refused at the node all the same (the gate, and the node's own cut-off).
    expect(deliver(again, lateWrites).rejected.map((r) => r.reason)).toEqual(['removed-member']);
    again.node.applyRemote(lateWrites);
    expect(await again.node.get(late.id)).toBeUndefined();
  });
});
