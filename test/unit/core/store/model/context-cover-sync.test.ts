/**
 * Honest heads dropped by a member's writes whose contexts leave out what those heads named, and who
 * is charged for keeping them (core/store/evidence.ts, chargedFor; docs/security.md, "Twins and
 * evidence"). On a few entities honest authors p1–p3 write positions, each seeing a prefix of the
 * entity's history that holds its own earlier writes (so every context is causally closed, as an
 * honest writer's is); a member m writes positions naming honest writes but nothing they named (its
 * own contexts grow, so none of its versions is ever kept for what its later ones leave out).
 *
 * With the author bound at 1, any subsets to four stores in any orders, then anti-entropy: nothing
 * is refused at the bound and the replicas are one (heads, kept set, knowledge). Before the heads m
 * dropped were charged to m, each was charged to its honest author, whose bound m then filled for
 * free: that author's late write was refused where it arrived after m's and kept where it came
 * before, and what it superseded stayed a head on one replica only
 * (test/unit/attack/h29-context-cover-refused.test.ts).
 *
 * Replay a failure with SEED=<printed seed> (NUM_RUNS=... for more or fewer histories).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, type Timestamp } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import type { Version } from '../../../../../src/core/merge/version';
import { EntityStore } from '../../../../../src/core/store/entity-store';
import { prng, shuffle } from '../../support/merge-sim';
import { expectSameReplicas, settle, type Replica } from './replica-sync';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 200);

const T0 = 1_700_000_000_000;
const POSITION = 'position' as ComponentKind;
const ENTITIES = ['x', 'y', 'z'] as EntityId[];
const HONEST = ['p1', 'p2', 'p3'] as NodeId[];
const M = 'm' as NodeId;
const ts = (ms: number, node: NodeId): Timestamp => ({ ms, c: 0, node });

/** Per author the latest of `dots`, its own left out (an author's own earlier writes are implied). */
function contextOf(dots: readonly Timestamp[], author: NodeId): Timestamp[] {
  const latest = new Map<NodeId, Timestamp>();
  for (const d of dots) {
    if (d.node === author) continue;
    const t = latest.get(d.node);
    if (t === undefined || compareTs(d, t) > 0) latest.set(d.node, d);
  }
  return [...latest.values()].sort((a, b) => (a.node < b.node ? -1 : 1));
}

/** Every version of one history, built from `rnd`. */
function universe(rnd: () => number): Version[] {
  const out: Version[] = [];
  for (const entity of ENTITIES) {
    const writes: Version[] = [];
    let seenPrefix = 0;
    const lastBy = new Map<NodeId, number>();
    const n = 3 + Math.floor(rnd() * 5);
    for (let k = 0; k < n; k++) {
      const author = HONEST[Math.floor(rnd() * HONEST.length)]!;
      // It saw a prefix of the history: no shorter than before (closed contexts), with its own writes.
      seenPrefix = Math.min(k, Math.max(seenPrefix + Math.floor(rnd() * 3), (lastBy.get(author) ?? -1) + 1));
      lastBy.set(author, k);
      const seen = contextOf(
        writes.slice(0, seenPrefix).map((w) => w.ts),
        author,
      );
      writes.push({
        entity,
        kind: POSITION,
        value: { lat: k, lon: k },
        ts: ts(T0 + 1_000 * (k + 1) + Math.floor(rnd() * 500), author),
        seen,
      });
    }
    out.push(...writes);
    // m names honest writes, never what they named; what it named before it keeps naming.
    const named: Timestamp[] = [];
    const covers = Math.floor(rnd() * 4);
    let previous = 0;
    for (let i = 0; i < covers; i++) {
      const w = writes[Math.floor(rnd() * writes.length)]!;
      named.push(w.ts);
      // Later than all it names and than its own earlier writes.
      previous = Math.max(previous, ...named.map((t) => t.ms)) + 1 + Math.floor(rnd() * 300);
      out.push({
        entity,
        kind: POSITION,
        value: { lat: -i, lon: -i },
        ts: ts(previous, M),
        seen: contextOf(named, M),
      });
    }
  }
  return out;
}

describe('honest heads dropped by a member’s contexts: who is charged', () => {
  it('at an author bound of 1, any subsets in any orders, then anti-entropy: nothing refused, the replicas are one', () => {
    console.log(`context-cover-sync seed ${seed}; replay with SEED=${seed}`);
    fc.assert(
      fc.property(fc.nat(), (s) => {
        const rnd = prng(s);
        const all = universe(rnd);
        const replicas: Replica[] = ['r0', 'r1', 'r2', 'r3'].map((id) => {
          const store = new EntityStore({ evidence: { perAuthor: 1 } });
          const share = all.filter(() => rnd() < 0.7);
          for (const v of shuffle([...share, ...share.filter(() => rnd() < 0.2)], rnd)) store.apply(structuredClone(v));
          return { id: id as NodeId, store };
        });
        settle(replicas, () => {
          for (const a of replicas)
            for (const b of replicas)
              if (a !== b) for (const v of shuffle([...a.store.retained()], rnd)) b.store.apply(structuredClone(v));
        });
        expectSameReplicas(replicas, { entities: ENTITIES, kinds: [POSITION] });
        for (const r of replicas) expect(r.store.evidenceStats().refused, `${r.id}: refused at the bound`).toBe(0);
      }),
      { seed, numRuns },
    );
  });
});
