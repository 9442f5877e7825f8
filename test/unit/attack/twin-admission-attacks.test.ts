/**
 * Attack suite (session 18b): the twin-admission rule (docs/security.md, "An admission signed
 * over"): an `add` delivered under an op id that now holds another op still admits its member,
 * and a `remove` naming the id as observed ends it. Each test is an attack that a hostile member
 * can run; it asserts the promise of docs/security.md that it broke. (A member filling its own
 * add's first-version slots with backdated twins is a stated limit, docs/security.md.)
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  rosterVersions,
  type RosterNode,
} from '../node/roster/roster-harness';

const ids = async (n: RosterNode): Promise<NodeId[]> => (await n.roster.members()).members.map((m) => m.id).sort();

async function founderAndMember(clock: ReturnType<typeof manualClock>, tag: string) {
  const a = await rosterNode(`${tag}-founder`, clock);
  const { token } = await a.roster.invite('https://app.example/');
  const x = await rosterNode(`${tag}-member`, clock, fakeDevice(), { invitation: token });
  expect(await a.roster.admit(x.id, token)).toEqual({ ok: true });
  deliver(x, rosterVersions(a));
  return { a, x };
}

describe('a node admitted only by a twin add', () => {
  it('is removed by a member’s removeMember (the remove names the twin’s id as observed)', async () => {
    const clock = manualClock();
    const { a, x } = await founderAndMember(clock, 'tw-rm');
    const p = await rosterNode('tw-rm-p', clock);
    const q = await rosterNode('tw-rm-q', clock);
    const [lo, hi] = [p.id, q.id].sort() as [NodeId, NodeId];
    clock.advance(1000);
    const first = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: lo });
    clock.advance(1000);
    // x signs over its add of lo: the store keeps the later op (add hi) under x:1; lo stays admitted
    // as a twin (docs/security.md, "An admission signed over").
    const second = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: hi });
    expect(deliver(a, [first!, second!]).rejected).toEqual([]);
    expect(await ids(a)).toContain(lo);

    // Promise: "What ends the admission is what ends any: a remove naming the id as observed".
    // The founder removes lo through the API: lo must no longer be a member.
    clock.advance(1000);
    await a.roster.removeMember(lo);
    expect(await ids(a)).not.toContain(lo);
  });
});
describe('a twin add at a Lamport clock past every op the roster holds', () => {
  it('is ended by a member’s remove naming its id (the next op’s clock is past the twin’s)', async () => {
    const clock = manualClock();
    const { a, x } = await founderAndMember(clock, 'tw-lc');
    const p = await rosterNode('tw-lc-p', clock);
    const q = await rosterNode('tw-lc-q', clock);
    clock.advance(1000);
    // x admits p at a Lamport clock far ahead, then signs over it at a small clock: the id holds
    // the later op (add q at 3); p's admission counts at 1,000 as a twin.
    const first = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 1000, type: 'add', member: p.id });
    clock.advance(1000);
    const second = await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: q.id });
    expect(deliver(a, [first!, second!]).rejected).toEqual([]);
    expect(await ids(a)).toContain(p.id);

    // a removes p naming the id as observed (what docs/security.md says ends it), at the clock an
    // honest member's next op takes (RosterState.next).
    clock.advance(1000);
    const remove = a.roster.current.next(a.id, { type: 'remove', member: p.id, observed: [`${x.id}:1`] });
    await a.node.writeRosterOp(valueOfOp(remove));
    await a.node.flushed();
    // Promise: "What ends the admission is what ends any: a remove naming the id as observed".
    expect(await ids(a)).not.toContain(p.id);
  });
});
