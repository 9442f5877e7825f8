/**
 * Attack (session 15, changesChecks shortcut): a twin in a batch is checked, but the gate's state
 * for the batch's later checks keeps the op held before it (membership-gate.ts:101-105: `held !==
 * undefined` → continue, never added to the state), while the store keeps the twin and the roster
 * follows it once merged. So a twin that removes a member, with that member's writes stamped after
 * it in the same batch, lets those writes in; the same versions delivered one by one are refused as
 * `removed-member` (not asked for again soon). Two replicas given the same versions in different
 * batches hold different data for good.
 *
 * Fixed (membership-gate.ts gateVersions): the gate's state for the batch follows what the store
 * will hold, the op of the register's latest version, so the twin's removal counts for the batch's
 * later checks.
 */
import { describe, expect, it } from 'vitest';
import type { Version } from '../../../src/core/merge/version';
import { deliver, fakeDevice, manualClock, rosterNode, rosterVersions } from '../node/roster/roster-harness';

describe('a twin that removes a member, in one batch with that member’s later writes', () => {
  it('is gated the same in one batch as one by one', async () => {
    const clock = manualClock();
    const a = await rosterNode('bt-founder', clock);
    const nodes = [];
    for (const name of ['bt-x', 'bt-b', 'bt-c', 'bt-d']) {
      const { token } = await a.roster.invite('https://app.example/');
      const m = await rosterNode(name, clock, fakeDevice(), { invitation: token });
      expect(await a.roster.admit(m.id, token)).toEqual({ ok: true });
      nodes.push(m);
    }
    const [x, b, c, d] = nodes as [typeof a, typeof a, typeof a, typeof a];
    for (const m of nodes) deliver(m, rosterVersions(a));
    const p = await rosterNode('bt-p', clock);
    clock.advance(1000);
    const x1 = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 6, type: 'add', member: p.id });
    for (const m of [c, d]) expect(deliver(m, [x1!]).rejected).toEqual([]);
    // x (a member) rewrites x:1 as a remove of b (its own op, its own choice: the store keeps it).
    clock.advance(1000);
    const addB = [...a.roster.current.roster].find(([, op]) => op.body.type === 'add' && op.body.member === b.id)![0];
    const twin = await x.node.writeRosterOp({
      author: x.id,
      seq: 1,
      lamport: 6,
      type: 'remove',
      member: b.id,
      observed: [addB],
    });
    // b writes after it (it has not seen it).
    clock.advance(1000);
    await b.node.create({ id: 'bt-track', components: { position: { lat: 1, lon: 2 } } });
    const bWrite = [...b.node.versions()].filter((v) => v.entity === 'bt-track') as Version[];
    const batch = deliver(c, [twin!, ...bWrite]);
    const first = deliver(d, [twin!]);
    const second = deliver(d, bWrite);
    const cHolds = [...c.node.versions()].some((v) => v.entity === 'bt-track');
    const dHolds = [...d.node.versions()].some((v) => v.entity === 'bt-track');
    console.log(
      `twin in a batch: c (one batch) refused ${JSON.stringify(batch.rejected.map((r) => r.reason))}, holds b's write ${cHolds}; ` +
        `d (one by one) refused ${JSON.stringify([...first.rejected, ...second.rejected].map((r) => r.reason))}, holds it ${dHolds}; ` +
        `b removed at c ${c.roster.current.view.removed.has(b.id)}, at d ${d.roster.current.view.removed.has(b.id)}`,
    );
    // Promise (docs/security.md "The roster in the store": a batch gets the decisions it got when each
    // op was checked against the roster with the earlier ones in it; zero divergence).
    expect(cHolds).toBe(dHolds);
  });
});
