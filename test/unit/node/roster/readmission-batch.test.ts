/**
 * A re-admission and the member's writes in one batch (docs/security.md, "Enforcement"): the gate
 * judges the writes against the roster with the batch's `add` in it and takes them; the merge must
 * judge them by the same roster. Before, RemoteMerge still held the member's cut-off from before the
 * batch (lifted only once the batch was merged) and refused them (counted `removed-member`), so they
 * came only at a later round. Now a batch's roster ops merge first and the roster moves the cut-offs
 * before the other versions merge (remote-merge.ts, merge). The same holds for a twin at a removal's
 * own stamp that undoes it (test/unit/attack/roster-batch-same-stamp-twin.test.ts), and for writes
 * held for clock skew released in one batch with the re-admission (before: refused at the release).
 */
import { describe, expect, it } from 'vitest';
import { valueOfOp } from '../../../../src/core/roster/roster-entity';
import { deliver, invitedNode, manualClock, rosterNode, rosterVersions, versionsOf } from './roster-harness';

describe('a re-admission and the member’s writes in one batch', () => {
  it('the writes are taken on the first delivery', async () => {
    const clock = manualClock();
    const a = await rosterNode('ra-founder', clock);
    const b = await invitedNode(a, 'ra-member', clock);
    const c = await invitedNode(a, 'ra-peer', clock);
    deliver(c, rosterVersions(a));
    // a removes b; c merges the removal (b's cut-off set there).
    clock.advance(1000);
    await a.roster.removeMember(b.id);
    expect(deliver(c, rosterVersions(a)).rejected).toEqual([]);
    expect(c.roster.current.view.removed.has(b.id)).toBe(true);
    // a admits b again; b writes after that (its writes while removed stay refused: docs/security.md,
    // "A removed device invited again", test/unit/node/roster/readmit-window.test.ts).
    clock.advance(1000);
    const readd = a.roster.current.next(a.id, { type: 'add', member: b.id });
    const readmission = (await a.node.writeRosterOp(valueOfOp(readd)))!;
    expect(a.roster.current.view.members.has(b.id)).toBe(true);
    clock.advance(1000);
    await b.node.create({ id: 'ra-track', components: { position: { lat: 1, lon: 2 } } });
    const writes = versionsOf(b, 'ra-track');
    expect(writes.length).toBeGreaterThan(0);
    // One batch to c: the re-admission and b's writes.
    const out = deliver(c, [readmission, ...writes]);
    expect(out.rejected).toEqual([]);
    expect(c.roster.current.view.members.has(b.id)).toBe(true);
    expect(versionsOf(c, 'ra-track').length).toBe(writes.length);
    expect((await c.node.stats()).rejected['removed-member'] ?? 0).toBe(0);
  });

  it('held for clock skew, a re-admission released with the member’s held writes lets them in', async () => {
    const clock = manualClock();
    const a = await rosterNode('rh-founder', clock);
    const b = await invitedNode(a, 'rh-member', clock);
    const c = await invitedNode(a, 'rh-peer', clock);
    deliver(c, rosterVersions(a));
    // b, a member, writes an hour ahead of c's clock: c takes it at its gate and holds it for skew.
    const AHEAD = 3_600_000;
    clock.advance(AHEAD);
    await b.node.create({ id: 'rh-track', components: { position: { lat: 1, lon: 2 } } });
    const writes = versionsOf(b, 'rh-track');
    clock.advance(-AHEAD);
    expect(deliver(c, writes).rejected).toEqual([]);
    expect(versionsOf(c, 'rh-track')).toEqual([]);
    // a removes b (its cut-off is before the held write), then admits it again, nearly an hour
    // ahead too: stamped before the held write, which is then no write made while removed
    // (docs/security.md, "A removed device invited again").
    clock.advance(1000);
    await a.roster.removeMember(b.id);
    expect(deliver(c, rosterVersions(a)).rejected).toEqual([]);
    expect(c.roster.current.view.removed.has(b.id)).toBe(true);
    const READD_AHEAD = AHEAD - 5000;
    clock.advance(READD_AHEAD);
    const readd = a.roster.current.next(a.id, { type: 'add', member: b.id });
    const readmission = (await a.node.writeRosterOp(valueOfOp(readd)))!;
    clock.advance(-READD_AHEAD);
    expect(deliver(c, [readmission]).rejected).toEqual([]);
    expect(c.roster.current.view.removed.has(b.id)).toBe(true);
    // Their time comes: one release holds both. The re-admission merges first and lifts the
    // cut-off, as it would have had it been released first.
    clock.advance(AHEAD + 1000);
    c.node.tick();
    expect(c.roster.current.view.members.has(b.id)).toBe(true);
    expect(versionsOf(c, 'rh-track').length).toBe(writes.length);
  });
});
