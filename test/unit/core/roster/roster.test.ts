/**
 * The roster as replicated data: merge laws over arbitrary op sets (fast-check; replay a failure
 * with SEED=<printed seed>), and the membership rules on hand-written histories.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { EMPTY_ROSTER, addOp, merge, sameRoster, type Roster } from '../../../../src/core/roster/roster';
import { MAX_ROSTER_OPS_PER_AUTHOR, opId, type RosterBody, type RosterOp } from '../../../../src/core/roster/roster-op';
import { rosterView, type RosterView } from '../../../../src/core/roster/roster-view';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 300);
const params = (name: string): fc.Parameters<unknown> => {
  console.log(`roster seed ${seed} (${name}); replay with SEED=${seed}`);
  return { seed, numRuns };
};

const NODES = ['aa', 'bb', 'cc', 'dd'] as NodeId[];
const node = fc.constantFrom(...NODES);
const body: fc.Arbitrary<RosterBody> = fc.oneof(
  fc.boolean().map((open) => ({ type: 'found' as const, open })),
  node.map((member) => ({ type: 'add' as const, member })),
  fc
    .tuple(node, fc.subarray(NODES.flatMap((n) => [`${n}:1`, `${n}:2`, `${n}:3`])))
    .map(([member, observed]) => ({ type: 'remove' as const, member, observed })),
);
const op: fc.Arbitrary<RosterOp> = fc.record({
  author: node,
  seq: fc.integer({ min: 1, max: 3 }),
  lamport: fc.integer({ min: 1, max: 6 }),
  verified: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  body,
});
const replica: fc.Arbitrary<Roster> = fc.array(op, { maxLength: 12 }).map((ops) => ops.reduce(addOp, EMPTY_ROSTER));

/** A view as plain sorted data, to compare views of replicas built in different orders. */
function plain(view: RosterView): unknown {
  return {
    founder: view.founder,
    open: view.open,
    members: [...view.members].sort(),
    removed: [...view.removed].sort(),
    rejected: [...view.rejected].sort(),
  };
}

describe('roster merge laws', () => {
  it('is commutative, associative and idempotent, and the view depends on the ops alone', () => {
    fc.assert(
      fc.property(replica, replica, replica, (a, b, c) => {
        expect(sameRoster(merge(a, b), merge(b, a))).toBe(true);
        expect(sameRoster(merge(merge(a, b), c), merge(a, merge(b, c)))).toBe(true);
        expect(sameRoster(merge(a, a), a)).toBe(true);
        expect(sameRoster(merge(merge(a, b), b), merge(a, b))).toBe(true);
        expect(plain(rosterView(merge(a, b)))).toEqual(plain(rosterView(merge(b, a))));
      }),
      params('laws'),
    );
  });

  it('converges whatever order the ops arrive in', () => {
    fc.assert(
      fc.property(
        fc
          .array(op, { maxLength: 14 })
          .chain((ops) => fc.tuple(fc.constant(ops), fc.shuffledSubarray(ops, { minLength: ops.length }))),
        ([ops, shuffled]) => {
          const one = ops.reduce(addOp, EMPTY_ROSTER);
          const two = shuffled.reduce(addOp, EMPTY_ROSTER);
          expect(sameRoster(one, two)).toBe(true);
          expect(plain(rosterView(one))).toEqual(plain(rosterView(two)));
        },
      ),
      params('order'),
    );
  });
});

/** Builds ops for hand-written histories: each author's seq counts up by itself. */
function history(): { write: (author: string, lamport: number, body: RosterBody, verified?: boolean) => RosterOp } {
  const seqs = new Map<string, number>();
  return {
    write: (author, lamport, b, verified = true) => {
      const seq = (seqs.get(author) ?? 0) + 1;
      seqs.set(author, seq);
      return { author: author as NodeId, seq, lamport, verified, body: b };
    },
  };
}

const add = (member: string): RosterBody => ({ type: 'add', member: member as NodeId });
const remove = (member: string, ...observed: RosterOp[]): RosterBody => ({
  type: 'remove',
  member: member as NodeId,
  observed: observed.map(opId),
});
const build = (...ops: RosterOp[]): RosterView => rosterView(ops.reduce(addOp, EMPTY_ROSTER));

describe('roster rules', () => {
  it('the founder is the first member, and the open flag is set at founding', () => {
    const { write } = history();
    const view = build(write('ff', 1, { type: 'found', open: true }));
    expect(view.founder).toBe('ff');
    expect(view.open).toBe(true);
    expect([...view.members]).toEqual(['ff']);
    expect(build(history().write('ff', 1, { type: 'found', open: false })).open).toBe(false);
  });

  it('only the first founding counts; nothing counts before one', () => {
    const { write } = history();
    const early = write('bb', 1, add('cc'));
    const found = write('ff', 2, { type: 'found', open: false });
    const late = write('zz', 3, { type: 'found', open: true });
    const view = build(early, found, late);
    expect(view.founder).toBe('ff');
    expect(view.open).toBe(false);
    expect(view.rejected.get(opId(early))).toBe('not-founded');
    expect(view.rejected.get(opId(late))).toBe('second-founding');
    expect([...view.members]).toEqual(['ff']);
  });

  it('members add members; a non-member cannot, nor can an unverified write', () => {
    const { write } = history();
    const found = write('ff', 1, { type: 'found', open: false });
    const addA = write('ff', 2, add('aa'));
    const byA = write('aa', 3, add('bb'));
    const byStranger = write('xx', 4, add('yy'));
    const forged = write('ff', 5, add('zz'), false);
    const view = build(found, addA, byA, byStranger, forged);
    expect([...view.members].sort()).toEqual(['aa', 'bb', 'ff']);
    expect(view.rejected.get(opId(byStranger))).toBe('author-not-member');
    // An unverified op is not even kept.
    expect(addOp(EMPTY_ROSTER, forged).size).toBe(0);
  });

  it('a removed member is out, and its later writes are rejected', () => {
    const { write } = history();
    const found = write('ff', 1, { type: 'found', open: false });
    const addA = write('ff', 2, add('aa'));
    const removeA = write('ff', 3, remove('aa', addA));
    const afterwards = write('aa', 4, add('bb'));
    const view = build(found, addA, removeA, afterwards);
    expect([...view.members]).toEqual(['ff']);
    expect(view.removed.get('aa' as NodeId)).toBe('ff');
    expect(view.rejected.get(opId(afterwards))).toBe('author-not-member');
  });

  it('removal wins over a concurrent re-add by the removed node itself, in either order', () => {
    for (const [removeAt, readdAt] of [
      [3, 4],
      [4, 3],
      [3, 3],
    ] as const) {
      const { write } = history();
      const found = write('ff', 1, { type: 'found', open: false });
      const addA = write('ff', 2, add('aa'));
      // aa re-adds itself (say, on a reload) without having seen its removal.
      const readd = write('aa', readdAt, add('aa'));
      const removeA = write('ff', removeAt, remove('aa', addA));
      const view = build(found, addA, readd, removeA);
      expect([...view.members], `remove at ${removeAt}, re-add at ${readdAt}`).toEqual(['ff']);
    }
  });

  it('a concurrent re-admission by another member survives the removal (a deliberate re-invite)', () => {
    const { write } = history();
    const found = write('ff', 1, { type: 'found', open: false });
    const addB = write('ff', 2, add('bb'));
    const addA = write('ff', 3, add('aa'));
    const removeA = write('ff', 4, remove('aa', addA));
    const reinvite = write('bb', 4, add('aa'));
    expect([...build(found, addB, addA, removeA, reinvite).members].sort()).toEqual(['aa', 'bb', 'ff']);
    // Had the remover seen the re-invite, it would have undone it too.
    const { write: w2 } = history();
    const f2 = w2('ff', 1, { type: 'found', open: false });
    const b2 = w2('ff', 2, add('bb'));
    const a2 = w2('ff', 3, add('aa'));
    const re2 = w2('bb', 4, add('aa'));
    const rm2 = w2('ff', 5, remove('aa', a2, re2));
    expect([...build(f2, b2, a2, re2, rm2).members].sort()).toEqual(['bb', 'ff']);
  });

  it('two members removing each other count once as a pair, whichever sorts first (docs/security.md, "Removals of each other")', () => {
    // ff removes aa, and aa removes ff: aa's remove sorted after ff's (a counter-remove) or before
    // it (backdated, so ff's is the counter-remove). Either way, once bb re-admits ff, aa's next
    // remove of ff is a removed node's write (test/unit/attack/counter-removal-repeat.test.ts).
    for (const aaFirst of [false, true]) {
      const { write } = history();
      const found = write('ff', 1, { type: 'found', open: false });
      const addA = write('ff', 2, add('aa'));
      const addB = write('ff', 3, add('bb'));
      const pair = aaFirst
        ? [write('aa', 4, remove('ff', found)), write('ff', 5, remove('aa', addA))]
        : [write('ff', 4, remove('aa', addA)), write('aa', 5, remove('ff', found))];
      const readmit = write('bb', 6, add('ff'));
      const again = write('aa', 7, remove('ff', readmit));
      const view = build(found, addA, addB, ...pair, readmit, again);
      expect([...view.members].sort(), `aa's remove first: ${aaFirst}`).toEqual(['bb', 'ff']);
      expect(view.removed.get('aa' as NodeId)).toBe('ff');
      expect(view.rejected.get(opId(again))).toBe('author-not-member');
      for (const op of pair) expect(view.rejected.has(opId(op))).toBe(false);
    }
  });

  it('refuses an author’s op whose sequence goes back against its clock (forged or replayed)', () => {
    const { write } = history();
    const found = write('ff', 1, { type: 'found', open: false });
    const addA = write('ff', 3, add('aa'));
    // seq 3 under an earlier clock than seq 2: an honest author's clock grows with its sequence.
    const rewound: RosterOp = { ...write('ff', 4, add('bb')), lamport: 2 };
    const view = build(found, addA, rewound);
    expect(view.rejected.get(opId(addA))).toBe('bad-sequence');
    expect(view.rejected.size).toBe(1);
  });

  it('an op numbered past MAX_ROSTER_OPS_PER_AUTHOR is without effect (op-limit), the same on every replica', () => {
    const { write } = history();
    const found = write('ff', 1, { type: 'found', open: false });
    const past: RosterOp = { ...write('ff', 3, add('aa')), seq: MAX_ROSTER_OPS_PER_AUTHOR + 1 };
    const view = build(found, past);
    expect(view.rejected.get(opId(past))).toBe('op-limit');
    expect([...view.members]).toEqual(['ff']);
  });
});
