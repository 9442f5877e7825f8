/**
 * Attack (session 18, `attack18`): the first-version rule (docs/security.md, "An op signed again";
 * evidence.ts keepsFirstOfValue, roster-state.ts opOfHeads) keys the stamp on the op's canonical
 * text. A member that invited h signs, an hour later, a twin of its add of h that still adds h but
 * differs in a field the roster does not need (its Lamport clock): a different op under the same id,
 * so it is "checked like a new op" (membership-gate.ts opRefusal), supersedes the first version and
 * is stamped at its own first version, an hour later. h's admission moves as with the re-sign the
 * rule was written against: every roster op h wrote in that hour is `before-admission` on every
 * replica (k, h's invitee, out; y, whom h removed, back in).
 */
import { describe, expect, it } from 'vitest';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { deliver, invitationChain, membersOf, manualClock, rosterVersions } from '../node/roster/roster-harness';

describe('a member signs a twin of its add of h that adds h all the same, later', () => {
  it("leaves the invitee's own roster ops in effect", async () => {
    const clock = manualClock();
    const { a, m, y, h, k } = await invitationChain('tw', clock);
    expect({ k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({ k: true, y: false });

    // An hour later m signs, under the id of its add of h, an add of h with another Lamport clock.
    clock.advance(60 * 60_000);
    const add = [...m.roster.current.roster.values()].find((op) => op.author === m.id && op.body.type === 'add')!;
    expect(add.body).toMatchObject({ type: 'add', member: h.id });
    await m.node.writeRosterOp(valueOfOp({ ...add, lamport: add.lamport + 1 }));
    const twin = rosterVersions(m).filter((v) => v.ts.ms === clock.now());
    expect(twin).toHaveLength(1);
    deliver(a, twin);

    expect({ h: membersOf(a).includes(h.id), k: membersOf(a).includes(k.id), y: membersOf(a).includes(y.id) }).toEqual({
      h: true,
      k: true,
      y: false,
    });
    expect([...a.roster.current.view.rejected.values()]).not.toContain('before-admission');
  });
});
