/**
 * Attack (session 16, the batch gate following the store): the gate's state for a batch keeps, per
 * roster op id, the op of the latest-stamped version and drops a version "stamped earlier"
 * (membership-gate.ts gateVersions: `compareTs(version.ts, heldStamp) <= 0` -> continue). A twin
 * stamped *the same* as the held op (its author signs two ops under one id at one HLC stamp) is
 * dropped too, but the store keeps both as heads (neither dominates: version.ts dominates needs a
 * later stamp) and the roster's op under the id is the one whose canonical text sorts first
 * (opOfHeads): an `add` sorts before a `remove`. So x's `remove b` replaced at the same stamp by an
 * `add` undoes b's removal in the store, but for the rest of the batch the gate still holds b
 * removed: b's writes in that batch are refused as `removed-member` (not asked again for 5 min),
 * while the same versions one by one are taken. docs/security.md "The roster in the store": a batch
 * "takes and refuses what delivering its versions one by one, each merged before the next, does".
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { opId } from '../../../src/core/roster/roster-op';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from '../node/roster/roster-harness';

describe('a twin of a removal at the removal’s own stamp, in one batch with the removed member’s writes', () => {
  it('is gated the same in one batch as one by one', async () => {
    const clock = manualClock();
    const a = await rosterNode('ss-founder', clock);
    const nodes = [];
    for (const name of ['ss-x', 'ss-b', 'ss-c', 'ss-d']) {
      const { token } = await a.roster.invite('https://app.example/');
      const m = await rosterNode(name, clock, fakeDevice(), { invitation: token });
      expect(await a.roster.admit(m.id, token)).toEqual({ ok: true });
      nodes.push(m);
    }
    const [x, b, c, d] = nodes as [typeof a, typeof a, typeof a, typeof a];
    for (const m of nodes) deliver(m, rosterVersions(a));
    const p = await rosterNode('ss-p', clock);
    const addB = [...a.roster.current.roster.values()].find((op) => op.body.type === 'add' && op.body.member === b.id)!;
    // x removes b; c and d merge it.
    clock.advance(1000);
    const removeB = (await x.node.writeRosterOp({
      author: x.id,
      seq: 1,
      lamport: 6,
      type: 'remove',
      member: b.id,
      observed: [opId(addB)],
    }))!;
    for (const m of [c, d]) expect(deliver(m, [removeB]).rejected).toEqual([]);
    expect(c.roster.current.view.removed.has(b.id)).toBe(true);
    // x signs, at the very same stamp, an add of p under the same id (its own key: a valid signature).
    const twin: Version = {
      ...removeB,
      value: valueOfOp({ author: x.id, seq: 1, lamport: 6, verified: true, body: { type: 'add', member: p.id } }),
    };
    // b, not removed after that, writes.
    clock.advance(1000);
    await b.node.create({ id: 'ss-track', components: { position: { lat: 1, lon: 2 } } });
    const bWrite = [...b.node.versions()].filter((v) => v.entity === 'ss-track');
    const batch = deliver(c, [twin, ...bWrite]);
    const first = deliver(d, [twin]);
    const second = deliver(d, bWrite);
    const holds = (n: typeof a) => [...n.node.versions()].some((v) => v.entity === 'ss-track');
    console.log(
      `same-stamp twin: b removed after the merge at c ${c.roster.current.view.removed.has(b.id)}, at d ` +
        `${d.roster.current.view.removed.has(b.id)}; c (one batch) refused ${JSON.stringify(batch.rejected.map((r) => r.reason))}, ` +
        `holds b's write ${holds(c)}; d (one by one) refused ${JSON.stringify([...first.rejected, ...second.rejected].map((r) => r.reason))}, holds it ${holds(d)}`,
    );
    expect(holds(c)).toBe(holds(d));
  });
});
