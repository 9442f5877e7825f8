/**
 * Attack (session 18, `attack18`): the entity's evidence bound (evidence.ts MAX_EVIDENCE_PER_ENTITY,
 * withinEntityBound) keeps the latest 64 of what an entity would keep, so the earliest version of a
 * roster op, kept as evidence by keepsFirstOfValue (docs/security.md, "An op signed again"), is the
 * first to go. A member that signs 64 other ops under the id of its add of h, an hour later, and then
 * its add of h again has the first version cut on every replica: h's admission is stamped at the
 * re-sign and every roster op h wrote meanwhile is `before-admission` (the limit security.md states;
 * this test is its bug report).
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../src/core/store/evidence';
import { deliver, invitationChain, membersOf, manualClock, rosterVersions } from '../node/roster/roster-harness';

describe('a member floods the register of its add of h past the entity evidence bound', () => {
  it("keeps the add's first version, and the invitee's roster ops in effect", async () => {
    const clock = manualClock();
    const { a, m, y, h, k } = await invitationChain('eb', clock);
    expect({ k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({ k: true, y: false });

    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    expect(add.body).toMatchObject({ type: 'add', member: h.id });
    for (let i = 0; i < MAX_EVIDENCE_PER_ENTITY; i++) {
      clock.advance(1_000);
      await m.node.writeRosterOp(valueOfOp({ ...add, body: { type: 'add', member: `eb-elsewhere-${i}` as NodeId } }));
      deliver(
        a,
        rosterVersions(m).filter((v) => v.ts.ms === clock.now()),
      );
    }
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
});
