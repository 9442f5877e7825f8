/**
 * Attack suite (session 18b): the twin-admission rule (docs/security.md, "An admission signed
 * over"): an `add` delivered under an op id that now holds another op still admits its member,
 * and a `remove` naming the id as observed ends it. Each test is an attack that a hostile member
 * can run; it asserts the promise of docs/security.md that it broke. A member filling its own
 * add's first-version slots with backdated twins cut the add's first version (the entity bound kept
 * the earliest 64); first versions are never cut now (docs/security.md, "An op signed again").
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { valueOfOp } from '../../../src/core/roster/roster-entity';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../src/core/store/evidence';
import {
  deliver,
  fakeDevice,
  manualClock,
  rosterNode,
  rosterVersions,
  invitedNode,
  signerAt,
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

describe('a member that signs over its own add', () => {
  it('cannot end the admission by filling the first-version slots with backdated twins', async () => {
    const clock = manualClock();
    const { a, x } = await founderAndMember(clock, 'tw-cut');
    const p = await rosterNode('tw-cut-p', clock);
    const q = await rosterNode('tw-cut-q', clock);
    const joined = clock.now();
    clock.advance(60_000);
    // x admits p (the legit add; its first version is the one the rule keeps).
    const add = (await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: p.id }))!;
    expect(deliver(a, [add]).rejected).toEqual([]);
    // x signs MAX_EVIDENCE_PER_ENTITY other ops under the same id, each backdated between its
    // admission and the add (a clock it picks), then one more at a later stamp that the store keeps.
    const twins = [];
    for (let i = 0; i < MAX_EVIDENCE_PER_ENTITY; i++) {
      const scratch = await signerAt('tw-cut-member', joined + 1 + i);
      const member = `tw-cut-junk-${i}` as NodeId;
      twins.push((await scratch.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member }))!);
      expect(twins.at(-1)!.ts.ms).toBeLessThan(add.ts.ms);
    }
    clock.advance(60_000);
    const head = (await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: q.id }))!;
    deliver(a, [...twins, head]);
    // Promise (docs/security.md, "An admission signed over"): an add that took effect stays an
    // admission whatever else its author signs under the id; only a remove naming the id ends it.
    expect(await ids(a)).toContain(p.id);
  }, 60_000);

  it('every replica keeps the same versions and members, whatever order the flood comes in', async () => {
    const clock = manualClock();
    const { a, x } = await founderAndMember(clock, 'tw-ord');
    const replicas = [await invitedNode(a, 'tw-ord-r1', clock), await invitedNode(a, 'tw-ord-r2', clock)];
    for (const r of replicas) deliver(r, rosterVersions(a));
    const p = await rosterNode('tw-ord-p', clock);
    const q = await rosterNode('tw-ord-q', clock);
    const joined = clock.now();
    clock.advance(60_000);
    const add = (await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: p.id }))!;
    const twins = [];
    for (let i = 0; i < MAX_EVIDENCE_PER_ENTITY; i++) {
      const scratch = await signerAt('tw-ord-member', joined + 1 + i);
      const member = `tw-ord-junk-${i}` as NodeId;
      twins.push((await scratch.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member }))!);
    }
    clock.advance(60_000);
    const head = (await x.node.writeRosterOp({ author: x.id, seq: 1, lamport: 3, type: 'add', member: q.id }))!;
    deliver(a, [add]);
    deliver(a, [...twins, head]);
    deliver(replicas[0]!, [head, ...[...twins].reverse(), add]);
    for (const v of [...twins.slice(32), add, head, ...twins.slice(0, 32)]) deliver(replicas[1]!, [v]);
    const held = (n: RosterNode): string[] =>
      rosterVersions(n)
        .map((v) => `${v.ts.ms}.${v.ts.c}:${JSON.stringify(v.value)}`)
        .sort();
    const retained = (n: RosterNode): string[] =>
      [...n.node.retainedOf(add.entity, add.kind)].map((v) => `${v.ts.ms}.${v.ts.c}`).sort();
    expect(await ids(a)).toContain(p.id);
    expect(retained(a)).toHaveLength(MAX_EVIDENCE_PER_ENTITY + 2);
    for (const r of replicas) {
      expect(await ids(r)).toEqual(await ids(a));
      expect(retained(r)).toEqual(retained(a));
      expect(held(r)).toEqual(held(a));
    }
  }, 60_000);
});
