import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { RosterOp } from '../../../../src/core/roster/roster-op';
import { RosterState, type StampedOp } from '../../../../src/node/roster/roster-state';
import { testIdentity } from '../../support/test-keys';
import { fakeDevice, manualClock, rosterNode, rosterVersions } from './roster-harness';

// Counts how often the roster view (which orders every op held) is computed.
const calls = vi.hoisted(() => ({ views: 0 }));
vi.mock('../../../../src/core/roster/roster-anchor', async (original) => {
  const actual = await original<typeof import('../../../../src/core/roster/roster-anchor')>();
  return {
    ...actual,
    anchoredView: (...args: Parameters<typeof actual.anchoredView>) => {
      calls.views++;
      return actual.anchoredView(...args);
    },
  };
});

const founder = 'founder' as NodeId;
const ts = (n: number): StampedOp['ts'] => ({ ms: 1_000 + n, c: 0, node: founder });

/** A founding and `n` adds by the founder, in order, each with its version's timestamp. */
function ops(n: number): StampedOp[] {
  const out: StampedOp[] = [
    { op: { author: founder, seq: 1, lamport: 1, verified: true, body: { type: 'found', open: false } }, ts: ts(0) },
  ];
  for (let i = 1; i <= n; i++) {
    const op: RosterOp = {
      author: founder,
      seq: i + 1,
      lamport: i + 1,
      verified: true,
      body: { type: 'add', member: `m${i}` as NodeId },
    };
    out.push({ op, ts: ts(i) });
  }
  return out;
}

describe('RosterState: the view once per batch of ops', () => {
  beforeEach(() => {
    calls.views = 0;
  });

  it('adds a batch of ops with one view, computed when first read', () => {
    const batch = ops(200);
    const state = RosterState.empty(`${founder}:1`).withAll(batch);
    expect(calls.views).toBe(0);
    expect(state.view.members.size).toBe(201);
    expect(state.view.members.size).toBe(201);
    expect(calls.views).toBe(1);
  });

  it('gives the same roster, view and removal stamps as adding the ops one by one', () => {
    const batch = ops(30);
    batch.push({
      op: {
        author: founder,
        seq: 32,
        lamport: 32,
        verified: true,
        body: { type: 'remove', member: 'm3' as NodeId, observed: [`${founder}:4`] },
      },
      ts: ts(31),
    });
    const once = RosterState.empty(`${founder}:1`).withAll(batch);
    let each = RosterState.empty(`${founder}:1`);
    for (const { op, ts: at } of batch) each = each.with(op, at);
    expect([...once.roster.keys()].sort()).toEqual([...each.roster.keys()].sort());
    expect([...once.view.members].sort()).toEqual([...each.view.members].sort());
    expect([...once.view.removed]).toEqual([...each.view.removed]);
    expect(once.removedAt('m3' as NodeId)).toEqual(ts(31));
    expect(each.removedAt('m3' as NodeId)).toEqual(ts(31));
  });

  it('stamps an op carried by several versions with the earliest, whatever the order or batching', () => {
    // Its author wrote the same remove op again later (or a relay holds both versions): the stamp is
    // the removal cut-off, so the gate (one op at a time) and the service (a batch) must agree on
    // it, and so must replicas that received the versions in another order.
    const base = RosterState.empty(`${founder}:1`).withAll(ops(3));
    const remove = (): RosterOp => ({
      author: founder,
      seq: 5,
      lamport: 5,
      verified: true,
      body: { type: 'remove', member: 'm2' as NodeId, observed: [`${founder}:3`] },
    });
    const early = { op: remove(), ts: ts(100) };
    const late = { op: remove(), ts: ts(5_000) };
    const states = [
      base.with(early.op, early.ts).with(late.op, late.ts),
      base.with(late.op, late.ts).with(early.op, early.ts),
      base.withAll([early, late]),
      base.withAll([late, early]),
      base.withAll([late]).withAll([early]),
    ];
    for (const state of states) expect(state.removedAt('m2' as NodeId)).toEqual(ts(100));
    const between = { ms: 1_000 + 1_000, c: 0, node: 'm2' as NodeId };
    for (const state of states) expect(state.writtenAfterRemoval('m2' as NodeId, between)).toBe(true);
  });

  it('returns the same state when nothing in the batch is new', () => {
    const batch = ops(3);
    const state = RosterState.empty(`${founder}:1`).withAll(batch);
    // The same ops again (parsed anew from their versions, as every merge does).
    expect(state.withAll(batch.map(({ op, ts: at }) => ({ op: { ...op }, ts: at })))).toBe(state);
    expect(state.withAll([])).toBe(state);
  });

  it('a node that merges a batch of roster ops (anti-entropy, a restart) computes its view once, not once per op', async () => {
    const clock = manualClock();
    const device = fakeDevice();
    const a = await rosterNode('batch-a', clock, device);
    for (let i = 0; i < 40; i++) {
      const sibling = testIdentity(`batch-s${i}`).id;
      device.ids.add(sibling);
      expect(await a.roster.admit(sibling, undefined)).toEqual({ ok: true });
    }
    const ops = rosterVersions(a);
    expect(ops.length).toBe(41);
    const b = await rosterNode('batch-b', clock);
    calls.views = 0;
    b.node.applyRemote(ops);
    await b.node.flushed();
    expect(b.roster.current.roster.size).toBe(42);
    expect(calls.views).toBeLessThan(3);
  });
});

describe('RosterState.removedAt: a removed remover’s removals', () => {
  const m = (i: number) => `m${i}` as NodeId;
  const remove = (author: NodeId, seq: number, lamport: number, member: NodeId, observed: string): RosterOp => ({
    author,
    seq,
    lamport,
    verified: true,
    body: { type: 'remove', member, observed: [observed] },
  });

  it('does not cut a member off before its remover’s own cut-off (docs/security.md)', () => {
    // m1 (removed at ts(100)) removes m2 backdated to ts(10), ordered just before its own removal.
    const state = RosterState.empty(`${founder}:1`)
      .withAll(ops(3))
      .withAll([
        { op: remove(founder, 5, 10, m(1), `${founder}:2`), ts: ts(100) },
        { op: remove(m(1), 1, 9, m(2), `${founder}:3`), ts: ts(10) },
      ]);
    expect([...state.view.removed.keys()].sort()).toEqual([m(1), m(2)]);
    expect(state.removedAt(m(1))).toEqual(ts(100));
    expect(state.removedAt(m(2))).toEqual(ts(100));
    // A remove stamped after its remover's removal keeps its own (later) stamp.
    const later = RosterState.empty(`${founder}:1`)
      .withAll(ops(3))
      .withAll([
        { op: remove(founder, 5, 10, m(1), `${founder}:2`), ts: ts(100) },
        { op: remove(m(1), 1, 9, m(2), `${founder}:3`), ts: ts(200) },
      ]);
    expect(later.removedAt(m(2))).toEqual(ts(200));
  });
});
