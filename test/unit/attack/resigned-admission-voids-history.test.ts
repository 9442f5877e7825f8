/**
 * Attack (session 17, `attack17`): a member voids the roster history of a member it invited by
 * signing its admission again, later.
 *
 * roster-view.ts (`before-admission`): an op counts only if stamped after an admission of its
 * author, and an op's stamp is the stamp of the version the register holds (RosterService follows
 * the register's heads, roster-state.ts withHeads/opOfHeads). The gate takes a member's op signed
 * again under a held id (membership-gate.ts opRefusal: same content, accepted); the later version
 * supersedes the first and moves the admission's stamp. So m, who invited h, signs its add of h
 * again an hour later: every roster op h wrote in that hour is stamped "before its admission" and
 * voided on every replica: h's invitation of k (k out, no remove by anyone) and h's removal of y
 * (y, removed by an honest member, a member again). A removed inviter can do the same with a
 * re-sign stamped before its own cut-off, which the gate takes (membership-gate.ts opRefusal only
 * refuses one stamped past it).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../src/adapters/memory-storage';
import type { NodeId } from '../../../src/core/ids';
import { testIdentity } from '../support/test-keys';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import {
  deliver,
  invitationChain,
  membersOf,
  invitedNode,
  manualClock,
  rosterNode,
  rosterVersions,
} from '../node/roster/roster-harness';
import { openTestNode } from '../support/test-node';

describe('a member signs its admission of another member again, later', () => {
  it("leaves the invitee's own roster ops in effect", async () => {
    const clock = manualClock();
    const { a, m, y, h, k } = await invitationChain('ra', clock);
    expect(membersOf(a)).toContain(k.id);
    expect(membersOf(a)).not.toContain(y.id);

    // An hour later m signs its add of h again (same op, same id: a later version of it).
    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    expect(add.body).toMatchObject({ type: 'add', member: h.id });
    await m.node.writeRosterOp(valueOfOp(add));
    const resigned = rosterVersions(m).filter((v) => v.ts.ms === clock.now());
    expect(resigned).toHaveLength(1);
    expect(deliver(a, resigned).rejected).toEqual([]);

    // h's invitation of k and its removal of y still count.
    expect({ k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({ k: true, y: false });
    expect([...a.roster.current.view.rejected.values()]).not.toContain('before-admission');
  });

  it('a removed inviter cannot void them either, by a re-sign stamped before its own removal', async () => {
    const clock = manualClock();
    const { a, m, y, h, k } = await invitationChain('ra', clock);
    const addVersions = rosterVersions(m).filter((v) => (v.value as { member?: string }).member === h.id);
    expect(addVersions).toHaveLength(1);

    // a removes m at T0 + 13 min; m, removed, signs its add of h again stamped T0 + 12 min (before its cut-off).
    clock.advance(10 * 60_000);
    await a.roster.removeMember(m.id);
    expect(membersOf(a)).not.toContain(m.id);
    const me = testIdentity('ra-inviter');
    const scratch = await openTestNode({
      identity: me,
      lattice: 'ops',
      storage: new MemoryStorage({ backing: createMemoryBacking() }),
      now: () => clock.now() - 60_000,
    });
    scratch.applyRemote(addVersions);
    const resigned = (await scratch.writeRosterOp(addVersions[0]!.value as never))!;
    expect(resigned.ts.ms).toBe(clock.now() - 60_000);
    // Stamped before m's cut-off, the gate takes it as it takes m's ops from before its removal.
    expect(deliver(a, [resigned]).rejected).toEqual([]);
    expect(membersOf(a)).toContain(h.id);

    expect({ k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({ k: true, y: false });
  });

  // The store keeps only a register's latest version (the re-sign supersedes the original at every
  // node that merges it), and a twin in between drops the original too: a fix that only remembers
  // the earliest stamp it met does neither survive a twin nor reach a device that syncs later.
  it('nor by a twin of the add and then the add signed again', async () => {
    const clock = manualClock();
    const { a, m, y, h, k } = await invitationChain('ra', clock);

    // An hour later m signs an `add` of another node under the id of its add of h, then its add of h again.
    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    await m.node.writeRosterOp(valueOfOp({ ...add, body: { type: 'add', member: 'ra-elsewhere' as NodeId } }));
    deliver(
      a,
      rosterVersions(m).filter((v) => v.ts.ms === clock.now()),
    );
    clock.advance(1_000);
    await m.node.writeRosterOp(valueOfOp(add));
    deliver(
      a,
      rosterVersions(m).filter((v) => v.ts.ms === clock.now()),
    );

    expect({ h: membersOf(a).includes(h.id), k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({
      h: true,
      k: true,
      y: false,
    });
  });

  it('and a device that joins after the re-sign sees the roster the members see', async () => {
    const clock = manualClock();
    const { a, m } = await invitationChain('ra', clock);
    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    await m.node.writeRosterOp(valueOfOp(add));
    deliver(
      a,
      rosterVersions(m).filter((v) => v.ts.ms === clock.now()),
    );

    // A new device, invited by a, syncs the roster from a (what a keeps and serves: heads and evidence).
    clock.advance(60_000);
    const late = await invitedNode(a, 'ra-late', clock);
    deliver(late, rosterVersions(a));
    expect(membersOf(late)).toEqual(membersOf(a));
    expect(new Map(late.roster.current.view.rejected)).toEqual(new Map(a.roster.current.view.rejected));
  });

  it('a node that got the re-sign first takes the first version’s stamp once it arrives', async () => {
    const clock = manualClock();
    const a = await rosterNode('ra-founder', clock);
    const m = await invitedNode(a, 'ra-inviter', clock);
    deliver(m, rosterVersions(a));
    clock.advance(60_000);
    const h = await invitedNode(m, 'ra-honest', clock);
    const first = rosterVersions(m).filter((v) => (v.value as { member?: string }).member === h.id);
    expect(first).toHaveLength(1);
    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    await m.node.writeRosterOp(valueOfOp(add));
    // a gets m's roster with the add signed again, and only then its first version (m serves both:
    // its own register keeps the first version too).
    const later = rosterVersions(m).filter((v) => v !== first[0] && v.ts.ms !== first[0]!.ts.ms);
    expect(later).toHaveLength(rosterVersions(m).length - 1);
    deliver(a, later);
    const id = `${m.id}:${add.seq}` as const;
    expect(a.roster.current.stampOf(id)?.ms).toBe(clock.now());
    expect(deliver(a, first).rejected).toEqual([]);
    expect(a.roster.current.stampOf(id)).toEqual(first[0]!.ts);
  });
});
