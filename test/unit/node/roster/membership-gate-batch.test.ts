/**
 * The ingest gate checks a batch's roster ops against one state and adds the accepted ones to it only
 * when one may change a later check (membership-gate.ts, changesChecks). Property (fast-check; replay
 * with SEED=<printed seed>): a batch gets the same decisions, and leaves the same roster, as its ops
 * gated one at a time in op order, each against the roster with the earlier accepted ones in it (what
 * the gate did before, at one roster copy and one view per op).
 *
 * Second property: the one-by-one side follows a model of the store instead of the gate's own state
 * (a roster register has one author, so the op under an id is that of its latest version: a later
 * twin or re-signed op replaces it, an earlier one is not merged; the op counts at the stamp of the
 * earliest version of it merged, which the register keeps as evidence: docs/security.md, "An op
 * signed again"), and the batch carries the authors'
 * other writes too: a batch takes and refuses what delivering its versions one by one, each merged
 * before the next, takes and refuses (test/unit/attack/roster-batch-twin-stale.test.ts).
 *
 * "One by one" delivers op ids in op order of the version the store prefers under each id (or of an
 * `add` among the id's versions that sorts before it), and each id's versions latest first (membership-gate.ts: a version superseded in the batch changes nothing,
 * so twins cost one view per id, not per version). The store model keeps, per register, the latest
 * version and under one timestamp the content compareContent keeps (version-content.ts), as the
 * store does: a twin signed at the held op's own stamp replaces it when its content sorts first
 * (test/unit/attack/roster-batch-same-stamp-twin.test.ts). A third generator floods twins of a few
 * ops, at few stamps (equal-stamp twins).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { opOfVersion, ROSTER_OP_KIND, rosterEntityId, valueOfOp } from '../../../../src/core/roster/roster-entity';
import { compareOps, type RosterBody, type RosterOp } from '../../../../src/core/roster/roster-op';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { opOfHeads, RosterState } from '../../../../src/node/roster/roster-state';
import { compareTs } from '../../../../src/core/clock/timestamp';
import { compareContent } from '../../../../src/core/merge/version-content';
import type { ComponentKind } from '../../../../src/core/ids';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 300);

const AUTHORS = ['aa', 'bb', 'cc', 'dd'] as NodeId[];
/** Nodes no op is written by: adds and removes of them change no later check. */
const OTHERS = ['p1', 'p2', 'p3'] as NodeId[];
const author = fc.constantFrom(...AUTHORS);
const member = fc.constantFrom(...AUTHORS, ...OTHERS);
const body: fc.Arbitrary<RosterBody> = fc.oneof(
  { arbitrary: fc.boolean().map((open) => ({ type: 'found' as const, open })), weight: 1 },
  { arbitrary: member.map((m) => ({ type: 'add' as const, member: m })), weight: 4 },
  {
    arbitrary: fc
      .tuple(member, fc.subarray(AUTHORS.flatMap((n) => [`${n}:1`, `${n}:2`, `${n}:3`, `${n}:4`])))
      .map(([m, observed]) => ({ type: 'remove' as const, member: m, observed })),
    weight: 3,
  },
);
interface Stamped {
  author: NodeId;
  seq: number;
  lamport: number;
  ms: number;
  body: RosterBody;
}
const stamped: fc.Arbitrary<Stamped> = fc.record({
  author,
  seq: fc.integer({ min: 1, max: 6 }),
  lamport: fc.integer({ min: 1, max: 8 }),
  ms: fc.integer({ min: 0, max: 20 }),
  body,
});

/**
 * Batches where the extra-admission path runs (membership-gate.ts extraAdmissionUnread): every node
 * is a standing member (added by the founder at the start), and the batch adds them again and
 * removes them, observing the admissions held, at clocks before and after its adds.
 */
const ADMISSIONS = ['bb', 'cc', 'dd', 'p1', 'p2'] as NodeId[];
const STANDING: fc.Arbitrary<Stamped>[] = ADMISSIONS.map((m, i) =>
  fc.constant({ author: 'aa' as NodeId, seq: i + 2, lamport: i + 2, ms: i, body: { type: 'add' as const, member: m } }),
);
const standingBody: fc.Arbitrary<RosterBody> = fc.oneof(
  { arbitrary: member.map((m) => ({ type: 'add' as const, member: m })), weight: 5 },
  {
    arbitrary: fc
      .tuple(member, fc.subarray(['aa:1', ...ADMISSIONS.map((_, i) => `aa:${i + 2}`), 'bb:1', 'cc:1', 'cc:2']))
      .map(([m, observed]) => ({ type: 'remove' as const, member: m, observed })),
    weight: 3,
  },
  { arbitrary: fc.constant({ type: 'found' as const, open: false }), weight: 1 },
);
const standingOp = (minLamport: number): fc.Arbitrary<Stamped> =>
  fc.record({
    author,
    seq: fc.integer({ min: 1, max: 12 }),
    lamport: fc.integer({ min: minLamport, max: 16 }),
    ms: fc.integer({ min: 0, max: 20 }),
    body: standingBody,
  });
/** Twins of a few ops: one id signed again and again, at a few stamps (equal stamps often). */
const twinFlood: fc.Arbitrary<Stamped[]> = fc
  .array(
    fc.record({
      author,
      seq: fc.integer({ min: 1, max: 3 }),
      copies: fc.array(
        fc.record({ lamport: fc.integer({ min: 1, max: 8 }), ms: fc.integer({ min: 0, max: 3 }), body }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
    { maxLength: 4 },
  )
  .map((ids) => ids.flatMap(({ author: a, seq, copies }) => copies.map((c) => ({ author: a, seq, ...c }))));
const GENERATORS: [string, fc.Arbitrary<Stamped[]>, fc.Arbitrary<Stamped[]>][] = [
  ['random ops', fc.array(stamped, { maxLength: 10 }), fc.array(stamped, { maxLength: 14 })],
  [
    'standing members added again and removed',
    fc.tuple(fc.tuple(...STANDING), fc.array(standingOp(7), { maxLength: 6 })).map(([a, b]) => [...a, ...b]),
    fc.array(standingOp(2), { maxLength: 16 }),
  ],
  [
    'twin floods',
    fc.array(stamped, { maxLength: 8 }),
    fc.tuple(twinFlood, fc.array(stamped, { maxLength: 6 })).map(([t, o]) => [...t, ...o]),
  ],
];

const opOf = (v: Version): RosterOp => {
  const parsed = opOfVersion(v, true);
  if ('problem' in parsed) throw new Error(`not a roster op: ${v.entity}`);
  return parsed.op;
};

/** The store's preference under one register: the later stamp, then at one stamp the content kept. */
const storePrefers = (a: Version, b: Version): number => compareTs(b.ts, a.ts) || compareContent(a, b);

/**
 * The one-by-one delivery order: op ids in op order of the version the store prefers under each,
 * each id's versions in the store's preference (stable for equal keys).
 */
function deliveryOrder(versions: readonly Version[]): Version[] {
  const groups = new Map<string, Version[]>();
  for (const v of versions) groups.set(v.entity, [...(groups.get(v.entity) ?? []), v]);
  const order = [...groups.values()].map((g) => [...g].sort(storePrefers));
  // An id is taken at the earlier of its preferred op and any `add` among its versions (an
  // admission whatever the id holds later: docs/security.md, "An admission signed over").
  const at = (g: readonly Version[]): RosterOp =>
    g.map(opOf).reduce((first, op) => (op.body.type === 'add' && compareOps(op, first) < 0 ? op : first), opOf(g[0]!));
  order.sort((a, b) => compareOps(at(a), at(b)));
  return order.flat();
}

function version(o: Stamped): Version {
  const op: RosterOp = { author: o.author, seq: o.seq, lamport: o.lamport, verified: true, body: o.body };
  return {
    entity: rosterEntityId(op) as EntityId,
    kind: ROSTER_OP_KIND,
    value: valueOfOp(op),
    ts: { ms: 1_000 + o.ms, c: 0, node: o.author },
    seen: [],
  };
}

const founding = version({ author: 'aa' as NodeId, seq: 1, lamport: 1, ms: 0, body: { type: 'found', open: false } });
const key = (v: Version): string => `${v.entity}@${v.ts.ms}@${JSON.stringify(v.value)}`;

describe.each(GENERATORS)('gateVersions: a batch against one state (%s)', (_, heldArb, batchArb) => {
  it('decides as the batch’s ops gated one at a time in op order', () => {
    console.log(`membership-gate batch seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(heldArb, batchArb, (heldOps, batchOps) => {
        const self = 'me' as NodeId;
        const none = (): boolean => false;
        let start = RosterState.empty('aa:1');
        start = gateVersions([founding], start, none, self).state;
        for (const v of heldOps.map(version)) start = gateVersions([v], start, none, self).state;
        const batch = batchOps.map(version);

        const once = gateVersions(batch, start, none, self);
        // One at a time, in the order the gate checks.
        let each = start;
        const accepted: string[] = [];
        const rejected: string[] = [];
        for (const v of deliveryOrder(batch)) {
          const r = gateVersions([v], each, none, self);
          each = r.state;
          accepted.push(...r.accepted.map(key));
          rejected.push(...r.rejected.map((x) => `${key(x.version)}:${x.reason}`));
        }
        expect(once.accepted.map(key).sort()).toEqual(accepted.sort());
        expect(once.rejected.map((x) => `${key(x.version)}:${x.reason}`).sort()).toEqual(rejected.sort());
        expect([...once.state.view.members].sort()).toEqual([...each.view.members].sort());
        expect([...once.state.view.removed].sort()).toEqual([...each.view.removed].sort());
        expect([...once.state.view.rejected].sort()).toEqual([...each.view.rejected].sort());
      }),
      { seed, numRuns },
    );
  });

  it('takes and refuses what one-by-one delivery to a store takes and refuses, other writes too', () => {
    console.log(`membership-gate batch vs store seed ${seed}; replay with SEED=${seed}`);
    const other = fc.record({ author: fc.constantFrom(...AUTHORS, ...OTHERS), ms: fc.integer({ min: 0, max: 20 }) });
    const otherVersion = (o: { author: NodeId; ms: number }, i: number): Version => ({
      entity: `track-${i}` as EntityId,
      kind: 'position' as ComponentKind,
      value: { lat: 1, lon: 2 },
      ts: { ms: 1_000 + o.ms, c: 1, node: o.author },
      seen: [],
    });
    const self = 'me' as NodeId;
    const none = (): boolean => false;
    /**
     * One version delivered: gated against the state, then merged (the register keeps its latest
     * version, and under one timestamp the content compareContent keeps; and the earliest version of
     * each op, as evidence).
     */
    const merged = new Map<string, Version[]>();
    const deliverOne = (v: Version, st: RosterState, heads: Map<string, Version>) => {
      const r = gateVersions([v], st, none, self);
      if (r.accepted.length === 0 || !v.entity.startsWith('roster:')) return { r, st };
      merged.set(v.entity, [...(merged.get(v.entity) ?? []), v]);
      const held = heads.get(v.entity);
      if (held === undefined || storePrefers(held, v) > 0) heads.set(v.entity, v);
      const head = heads.get(v.entity)!;
      const kept = merged.get(v.entity)!.map((x) => ({ op: opOf(x), ts: x.ts }));
      return { r, st: st.withHeads([opOfHeads([{ op: opOf(head), ts: head.ts }], kept)!]) };
    };
    const vkey = (v: Version): string => `${v.entity}@${v.ts.ms}@${JSON.stringify(v.value)}`;
    fc.assert(
      fc.property(heldArb, batchArb, fc.array(other, { maxLength: 8 }), (heldOps, batchOps, others) => {
        const heads = new Map<string, Version>();
        merged.clear();
        let start = RosterState.empty('aa:1');
        for (const v of [founding, ...heldOps.map(version)]) start = deliverOne(v, start, heads).st;
        const roster = batchOps.map(version);
        const writes = others.map(otherVersion);

        const once = gateVersions([...writes, ...roster], start, none, self);
        // One by one: roster ops in the order the gate checks them, then the other writes.
        const ordered = deliveryOrder(roster);
        let each = start;
        const accepted: string[] = [];
        const rejected: string[] = [];
        for (const v of [...ordered, ...writes]) {
          const step = deliverOne(v, each, heads);
          each = step.st;
          accepted.push(...step.r.accepted.map(vkey));
          rejected.push(...step.r.rejected.map((x) => `${vkey(x.version)}:${x.reason}`));
        }
        expect(once.accepted.map(vkey).sort()).toEqual(accepted.sort());
        expect(once.rejected.map((x) => `${vkey(x.version)}:${x.reason}`).sort()).toEqual(rejected.sort());
        const ids = new Set([...once.state.roster.keys(), ...each.roster.keys()]);
        for (const id of ids) {
          expect(once.state.roster.get(id)).toEqual(each.roster.get(id));
          expect(once.state.stampOf(id)).toEqual(each.stampOf(id));
        }
        expect([...once.state.view.members].sort()).toEqual([...each.view.members].sort());
        expect([...once.state.view.removed].sort()).toEqual([...each.view.removed].sort());
        expect([...once.state.view.rejected].sort()).toEqual([...each.view.rejected].sort());
        for (const m of each.view.removed.keys()) expect(once.state.removedAt(m)).toEqual(each.removedAt(m));
      }),
      { seed, numRuns },
    );
  });
});
