/**
 * The ingest gate checks a batch's roster ops against one state and adds the accepted ones to it only
 * when one may change a later check (membership-gate.ts, changesChecks). Property (fast-check; replay
 * with SEED=<printed seed>): a batch gets the same decisions, and leaves the same roster, as its ops
 * gated one at a time in op order, each against the roster with the earlier accepted ones in it (what
 * the gate did before, at one roster copy and one view per op).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { ROSTER_OP_KIND, rosterEntityId, valueOfOp } from '../../../../src/core/roster/roster-entity';
import { compareOps, type RosterBody, type RosterOp } from '../../../../src/core/roster/roster-op';
import { gateVersions } from '../../../../src/node/roster/membership-gate';
import { RosterState } from '../../../../src/node/roster/roster-state';

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
const stamped = fc.record({
  author,
  seq: fc.integer({ min: 1, max: 6 }),
  lamport: fc.integer({ min: 1, max: 8 }),
  ms: fc.integer({ min: 0, max: 20 }),
  body,
});

function version(o: { author: NodeId; seq: number; lamport: number; ms: number; body: RosterBody }): Version {
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
const key = (v: Version): string => `${v.entity}@${v.ts.ms}`;

describe('gateVersions: a batch against one state', () => {
  it('decides as the batch’s ops gated one at a time in op order', () => {
    console.log(`membership-gate batch seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.array(stamped, { maxLength: 10 }), fc.array(stamped, { maxLength: 14 }), (heldOps, batchOps) => {
        const self = 'me' as NodeId;
        const none = (): boolean => false;
        let start = RosterState.empty('aa:1');
        start = gateVersions([founding], start, none, self).state;
        for (const v of heldOps.map(version)) start = gateVersions([v], start, none, self).state;
        const batch = batchOps.map(version);

        const once = gateVersions(batch, start, none, self);
        // One at a time, in the order the gate checks (op order, stable for equal keys).
        const parsed = batch.map((v) => {
          const val = v.value as { author: NodeId; seq: number; lamport: number };
          return { v, op: { author: val.author, seq: val.seq, lamport: val.lamport } as RosterOp };
        });
        parsed.sort((a, b) => compareOps(a.op, b.op));
        let each = start;
        const accepted: string[] = [];
        const rejected: string[] = [];
        for (const { v } of parsed) {
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
});
