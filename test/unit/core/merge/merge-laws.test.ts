/**
 * CRDT laws of the per-component registers and the entity store, over random multi-node write
 * histories (fast-check). Replay a failure with SEED=<printed seed> (and NUM_RUNS=...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderFor } from '../../../../src/core/merge/rules';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, dominates, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import {
  arbProgram,
  dump,
  oracle,
  prng,
  registersOf,
  replica,
  shuffle,
  simulate,
  sortedMap,
  type SimResult,
} from '../support/merge-sim';

const seed = Number(process.env.SEED ?? Date.now());
const numRuns = Number(process.env.NUM_RUNS ?? 150);
const params = (name: string): fc.Parameters<unknown> => {
  console.log(`merge-laws seed ${seed} (${name}); replay with SEED=${seed}`);
  return { seed, numRuns };
};

const permutation = (g: fc.GeneratorValue, xs: readonly Version[]): Version[] =>
  g(fc.shuffledSubarray, xs as Version[], { minLength: xs.length, maxLength: xs.length });

/** Structural invariants every store must keep, whatever it received. */
function checkInvariants(store: EntityStore): void {
  let count = 0;
  for (const id of new Set([...store.versions()].map((v) => v.entity))) {
    const s = store.state(id)!;
    for (const [kind, heads] of s.registers()) {
      expect(heads.length, `${id}/${kind} has an empty register`).toBeGreaterThan(0);
      count += heads.length;
      const order = orderFor(kind);
      for (let i = 0; i < heads.length; i++) {
        expect(heads[i]!.kind).toBe(kind);
        expect(heads[i]!.entity).toBe(id);
        if (i > 0) expect(order(heads[i - 1]!, heads[i]!), `${id}/${kind} heads not winner-first`).toBeGreaterThan(0);
        for (let j = 0; j < heads.length; j++) {
          if (i !== j) expect(dominates(heads[i]!, heads[j]!), `${id}/${kind}: a head dominates another`).toBe(false);
        }
      }
    }
  }
  expect(store.size).toBe(count);
}

describe('merge laws over random multi-node histories', () => {
  it('(1) N replicas applying the same set of writes in any order are identical, and match the declarative oracle', () => {
    fc.assert(
      fc.property(arbProgram(), fc.gen(), (program, g) => {
        const { nodes, universe } = simulate(program);
        const replicas = [universe, permutation(g, universe), permutation(g, universe), [...universe].reverse()].map(
          replica,
        );
        const first = dump(replicas[0]!);
        for (const r of replicas) {
          expect(dump(r)).toBe(first);
          checkInvariants(r);
        }
        expect(sortedMap(registersOf(replicas[0]!))).toEqual(sortedMap(oracle(universe)));
        // Every node, after it finally receives everything (in its own random order), converges too.
        for (const n of nodes) {
          for (const v of permutation(g, universe)) n.store.apply(v);
          expect(dump(n.store)).toBe(first);
        }
      }),
      params('convergence'),
    );
  });

  it('(2) idempotence: applying everything twice equals applying it once; the second pass changes nothing', () => {
    fc.assert(
      fc.property(arbProgram(), fc.gen(), (program, g) => {
        const { universe } = simulate(program);
        const once = replica(universe);
        const twice = replica(universe);
        for (const v of permutation(g, universe)) expect(twice.apply(v).kind).not.toBe('applied');
        expect(dump(twice)).toBe(dump(once));
      }),
      params('idempotence'),
    );
  });

  it('(3) state merge of node states is commutative, associative and idempotent; a state replays from its versions', () => {
    const merge = (...stores: EntityStore[]): EntityStore => replica(stores.flatMap((s) => [...s.versions()]));
    fc.assert(
      fc.property(arbProgram(), fc.nat(), fc.nat(), fc.nat(), (program, i, j, k) => {
        const { nodes } = simulate(program);
        const pick = (x: number): EntityStore => nodes[x % nodes.length]!.store;
        const [a, b, c] = [pick(i), pick(j), pick(k)];
        for (const s of [a, b, c]) {
          checkInvariants(s);
          expect(dump(merge(s)), 'replaying a state from its own versions').toBe(dump(s));
          expect(dump(merge(s, s))).toBe(dump(s));
        }
        expect(dump(merge(a, b))).toBe(dump(merge(b, a)));
        expect(dump(merge(merge(a, b), c))).toBe(dump(merge(a, merge(b, c))));
        expect(dump(merge(merge(a, b), c))).toBe(dump(merge(merge(c, a), b)));
      }),
      params('state merge'),
    );
  });

  it('node states from the simulation converge when merged pairwise in a random gossip order', () => {
    fc.assert(
      fc.property(arbProgram(), fc.nat(), (program, gossipSeed) => {
        const { nodes, universe } = simulate(program);
        const target = dump(replica(universe));
        // Pairwise gossip of full states until everyone has heard from everyone (two rounds of a ring).
        const rnd = prng(gossipSeed);
        const order = shuffle([...nodes], rnd);
        for (let round = 0; round < 2; round++) {
          for (let x = 0; x < order.length; x++) {
            const from = order[x]!;
            const to = order[(x + 1) % order.length]!;
            for (const v of shuffle([...from.store.versions()], rnd)) to.store.apply(v);
          }
        }
        for (const n of nodes) expect(dump(n.store)).toBe(target);
      }),
      params('gossip'),
    );
  });

  it('per-kind winners: among concurrent heads the kind rule picks the same winner in every replica', () => {
    fc.assert(
      fc.property(arbProgram(), fc.gen(), (program, g) => {
        const r = replica(permutation(g, simulate(program).universe));
        for (const v of r.versions()) {
          const heads = r.heads(v.entity, v.kind);
          if (heads.length < 2 || heads[0] !== v) continue;
          if (v.kind === 'threat') {
            const rank = (h: Version): number =>
              ['NONE', 'LOW', 'MEDIUM', 'HIGH'].indexOf((h.value as { level: string }).level);
            expect(rank(heads[0]!)).toBe(Math.max(...heads.map(rank)));
          }
          if (v.kind === 'approval') {
            // The newest request first; within it, a denial beats every other decision.
            const ids = heads.map((h) => (h.value as { requestId: string }).requestId);
            const newest = [...ids].sort().at(-1);
            expect(ids[0]).toBe(newest);
            const states = heads
              .filter((h) => (h.value as { requestId: string }).requestId === newest)
              .map((h) => (h.value as { state: string }).state);
            if (states.includes('denied')) expect(states[0]).toBe('denied');
          }
          if (v.kind === 'classification') {
            expect(heads[0]!.ts.ms).toBe(Math.max(...heads.map((h) => h.ts.ms)));
          }
        }
      }),
      params('kind rules'),
    );
  });
});

describe('same set, any order, for sets that are not causally complete', () => {
  /**
   * Anti-entropy may deliver any subset of versions (not causally closed) before the rest.
   * Whenever the subset holds the entity's tombstones, replicas holding it are identical.
   */
  it('replicas holding the same random subset (with every tombstone) are identical whatever the order', () => {
    fc.assert(
      fc.property(arbProgram(), fc.gen(), (program, g) => {
        const { universe }: SimResult = simulate(program);
        const live = universe.filter((v) => v.kind !== DELETED);
        const subset = [...g(fc.subarray, live, {}), ...universe.filter((v) => v.kind === DELETED)];
        const a = replica(subset);
        expect(dump(replica(permutation(g, subset)))).toBe(dump(a));
        checkInvariants(a);
      }),
      params('subset convergence'),
    );
  });

  /**
   * Shrunk counterexample of "same random subset, any order" from before registers kept their
   * Knowledge: n0 deleted e1 (between its writes c5 and c9), which dropped its own earlier write c5
   * and with it the knowledge that c5 had seen n1@c2, so c9 carried an empty context (here built by
   * hand, as such a node issued it). A replica holding {n1@c2, n0@c5, n0@c9} but not the tombstone
   * got one head or two depending on arrival order; now c5, whenever it arrives, shows n1@c2 seen.
   */
  it('a subset missing the tombstone its writers had seen converges in every order', () => {
    const ts = (c: number, node: string) => ({ ms: 1_700_000_000_000, c, node: node as NodeId });
    const v = (t: ReturnType<typeof ts>, seen: ReturnType<typeof ts>[]): Version => ({
      entity: 'e1' as EntityId,
      kind: 'threat' as ComponentKind,
      value: { level: 'NONE' },
      ts: t,
      seen,
    });
    const r = v(ts(2, 'n1'), []);
    const q = v(ts(5, 'n0'), [ts(2, 'n1')]);
    const p = v(ts(9, 'n0'), []);
    const tomb: Version = { entity: 'e1' as EntityId, kind: DELETED, value: null, ts: ts(8, 'n0'), seen: [] };
    // with the tombstone: identical in both orders
    expect(dump(replica([r, q, p, tomb]))).toBe(dump(replica([tomb, p, r, q])));
    // without it: {p} in every order
    expect(dump(replica([q, r, p]))).toBe(dump(replica([r, p, q])));
    expect(replica([r, p, q]).heads(p.entity, p.kind)).toEqual([p]);
  });
});
