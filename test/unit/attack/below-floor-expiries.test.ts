/**
 * Attack (issue 8, "zero divergence"): two hostile members send backdated expiries, some with
 * deadlines below the entity's expiry floor (expiry-floor.ts), twins (one timestamp, two contents),
 * versions whose contexts are not causally closed (a later write leaves out what an earlier one
 * named) and rest markers; an honest writer's floor-lifting expiry (written before the deadline
 * that fired, EntityState.liftFloor) and its writes after the deadline. Several replicas receive
 * the same set in random orders, purging at random points in between (so some fire a floor and see
 * it taken away, some never fire it), then exchange what they keep. Replicas that received the same
 * set must hold the same state: heads, floor, evidence, view, and what each register learned
 * (Knowledge, knowledge.ts), which decides what it takes later and the context of its next write.
 *
 * Found: heads, floors and views agreed, but a register's Knowledge differed between replicas, by
 * redundant timestamps a replica kept and another never learned or learned again without them (a
 * context entry for an author below that author's own latest write; an own entry equal to a context
 * entry): the lost first version of this test saw it in the expiry register in 36 of 200 seeds; this
 * one, before the fix, in 65 of 200 (the expiry register in 33, the position in 39: a floor taken
 * away learns every register again from what it keeps). Knowledge now holds one bound per author
 * (knowledge.ts, Entry). Contexts also name authors no one heard of, so registers fold (the cut).
 * Widened (2026-12-07): expiries stamped after deadlines they name, carrying no floor, and twins of
 * two deadlines. Both split floors between replicas that fired before and after the superseding
 * version came (14 of 200 seeds before EntityState.liftUnmarked: a fired floor goes once no expiry
 * head has its deadline; 0 of 3,000 since). 200 seeds; a failure prints its seed (replay with SEED=<seed>).
 */
import { describe, expect, it } from 'vitest';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import { type Version } from '../../../src/core/merge/version';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { EntityStore } from '../../../src/core/store/entity-store';
import { dump, shuffle } from '../core/support/merge-sim';

const X = 'x' as EntityId;
const EXPIRY = 'expiry' as ComponentKind;
const POSITION = 'position' as ComponentKind;
const T0 = 1_700_000_000_000;
/** Every replica purges at this time: past every deadline but the honest writer's last one. */
const NOW = T0 + 6_000;
const HONEST = 'a' as NodeId;
const HOSTILE = ['h1', 'h2'] as NodeId[];
const REPLICAS = 4;
const SEEDS = Number(process.env.SEEDS ?? 200);
const FIRST_SEED = Number(process.env.SEED ?? 1);

/** The versions of one history: everything the honest and hostile writers send, twins included. */
function history(rnd: () => number): Version[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Version[] = [];
  const ts = (ms: number, c: number, node: NodeId): Timestamp => ({ ms, c, node });
  const v = (kind: ComponentKind, value: unknown, t: Timestamp, seen: Timestamp[]): Version => ({
    entity: X,
    kind,
    value: value as Version['value'],
    ts: t,
    seen: seen.sort((p, q) => (p.ms - q.ms) * 1e6 + (p.c - q.c)),
  });
  /** A context for a version at `t`: some of the versions written before it, at most one per other author (not causally closed). */
  const contextFor = (t: Timestamp, kind: ComponentKind): Timestamp[] => {
    const latest = new Map<NodeId, Timestamp>();
    for (const w of out) {
      if (w.kind !== kind || w.ts.node === t.node || w.ts.ms >= t.ms || rnd() < 0.5) continue;
      const held = latest.get(w.ts.node);
      if (held === undefined || held.ms < w.ts.ms) latest.set(w.ts.node, w.ts);
    }
    // now and then 40 authors no one ever heard of (a context may name them): past
    // MAX_REGISTER_AUTHORS the register folds the earliest into its cut (knowledge.ts)
    if (t.node !== HONEST && rnd() < 0.3) {
      for (let j = 0; j < 40; j++) {
        const node = `m${Math.floor(rnd() * 90)}` as NodeId;
        if (!latest.has(node)) latest.set(node, ts(t.ms - 1 - Math.floor(rnd() * 300), 0, node));
      }
    }
    const seen = [...latest.values()];
    // a rest marker now and then (a context entry naming the writer itself: every write up to it seen)
    if (t.node !== HONEST && rnd() < 0.15) seen.push(ts(t.ms - 1 - Math.floor(rnd() * 400), 0, t.node));
    return seen;
  };
  // The honest track: a position and an expiry, then (after the deadline) a write that revives it.
  out.push(v(POSITION, { lat: 1, lon: 1 }, ts(T0, 0, HONEST), []));
  const deadline = T0 + 1_000;
  out.push(v(EXPIRY, { at: deadline }, ts(T0 + 10, 0, HONEST), []));
  // The hostile writers: backdated expiries (deadlines below, at and above the floor) and positions.
  const deadlines = [T0 + 100, T0 + 300, T0 + 600, deadline, T0 + 1_500, T0 + 3_000];
  for (let i = 0; i < 12; i++) {
    const author = pick(HOSTILE);
    const kind = rnd() < 0.75 ? EXPIRY : POSITION;
    // Expiries stamped before and after deadlines, carrying no floor: one superseded by a write made
    // after its deadline (its author's next expiry, or a context naming it) must fire nowhere or
    // everywhere, whether a purge ran while it was a head or not.
    const t = ts(T0 - 500 + Math.floor(rnd() * 1_400), Math.floor(rnd() * 2), author);
    if (out.some((w) => w.ts.ms === t.ms && w.ts.c === t.c && w.ts.node === t.node)) continue;
    // Deadlines below the floor that other expiries raise, and above it.
    const ahead = deadlines.filter((at) => at > t.ms);
    const value = kind === EXPIRY ? { at: pick(ahead) } : { lat: 2 + i, lon: 2 };
    out.push(v(kind, value, t, contextFor(t, kind)));
    // a twin: the same timestamp, another value or another context
    if (rnd() < 0.3) {
      // (an expiry's twin names another deadline: which twin is kept decides which one fires)
      const other = kind === EXPIRY ? { at: pick(ahead) } : { lat: 40 + i, lon: 2 };
      out.push(v(kind, rnd() < 0.5 ? other : value, t, contextFor(t, kind)));
    }
  }
  // The floor-lifting write: the honest writer's new expiry, written before the deadline, naming
  // some of what it had seen; then, after the deadline, a write that revives the entity.
  const lift = ts(T0 + 900, 0, HONEST);
  out.push(v(EXPIRY, { at: T0 + 60_000 }, lift, contextFor(lift, EXPIRY)));
  out.push(v(POSITION, { lat: 9, lon: 9 }, ts(T0 + 5_000, 0, HONEST), contextFor(ts(T0 + 5_000, 0, HONEST), POSITION)));
  return out;
}

/** Heads, floor, evidence, view and every register's Knowledge, as text (merge-sim's dump). */
function state(store: EntityStore): string {
  const evidence = [...store.evidence()].map(
    (e) => `${e.kind}@${e.ts.ms}.${e.ts.c}.${e.ts.node}=${JSON.stringify(e.value)}`,
  );
  return [
    dump(store, true),
    `evidence ${evidence.sort().join(' ')}`,
    `view ${JSON.stringify(store.view(X, NOW)?.components ?? null)}`,
  ].join('\n');
}

const stats = { lifted: 0, folded: 0 };

/**
 * Each replica takes every version once, in its own order, purging at random points in between
 * (a floor it fires may be taken away by the honest writer's change, arriving later), and restarting
 * now and then (snapshot and restore); then the replicas exchange what they keep and serve, as
 * reconciliation does. Nothing is delivered twice: what a register learned from a version it
 * dropped must not depend on whether it received it or relearned from what it kept.
 */
function run(seed: number): string[] {
  const rnd = mulberry32(seed);
  const versions = history(rnd);
  const replicas = Array.from({ length: REPLICAS }, () => new EntityStore());
  replicas.forEach((_, i) => {
    for (const v of shuffle([...versions], rnd)) {
      replicas[i]!.apply(v);
      if (replicas[i]!.lastApplyLifted) stats.lifted += 1;
      if (rnd() < 0.25) replicas[i]!.purgeExpired(NOW);
      if (rnd() < 0.05) replicas[i] = EntityStore.restore(structuredClone(replicas[i]!.snapshot()));
    }
    replicas[i]!.purgeExpired(NOW);
  });
  for (let round = 0; round < 2; round++) {
    for (const from of replicas) {
      const sent = [...from.retained()];
      for (const to of replicas) if (to !== from) for (const v of sent) to.apply(v);
    }
    for (const store of replicas) store.purgeExpired(NOW);
  }
  const states = replicas.map(state);
  if (states.some((s) => / cut [0-9a-f]+m\d/.test(s))) stats.folded += 1;
  return states;
}

describe('backdated expiries below the floor, twins and open contexts from two hostile members', () => {
  it(`replicas that received the same set hold the same state, Knowledge included (${SEEDS} seeds)`, () => {
    const failed: number[] = [];
    const beyond: number[] = [];
    let first: { seed: number; states: string[] } | undefined;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const states = run(seed);
      if (states.every((s) => s === states[0])) continue;
      failed.push(seed);
      // what differs beyond the registers' Knowledge (heads, floor, evidence, view)
      const bare = states.map((x) => x.replace(/\n {2}knows [^\n]*/g, ''));
      if (bare.some((x) => x !== bare[0])) beyond.push(seed);
      first ??= { seed, states };
    }
    // the floor-lifting write does take floors away (EntityState.liftFloor), or this proves little
    expect(stats.lifted).toBeGreaterThan(SEEDS);
    // and registers do fold authors into their cut
    expect(stats.folded).toBeGreaterThan(0);
    console.log(`below-floor expiries: ${stats.lifted} floors taken away, ${stats.folded} seeds folded`);
    if (first !== undefined) {
      console.log(
        `below-floor expiries: ${failed.length}/${SEEDS} seeds diverge (${beyond.length} beyond Knowledge): ${failed.join(',')}`,
      );
      const i = first.states.findIndex((s) => s !== first!.states[0]);
      expect(first.states[i], `seed ${first.seed}: replica ${i} differs from replica 0`).toBe(first.states[0]);
    }
    expect(failed).toEqual([]);
  });
});
