/**
 * The anti-entropy end of the store-level replica properties (twins-sync, withdraw-sync,
 * covered-floor-sync, floor-chain-sync): sync
 * until nothing changes, then check that the replicas are one. Sync here is what reconciliation
 * moves: everything a peer keeps and serves (`retained()`), in a random order.
 */
import { expect } from 'vitest';
import { encodeTs } from '../../../../../src/core/clock/timestamp';
import type { ComponentKind, EntityId, NodeId } from '../../../../../src/core/ids';
import { canonicalContent } from '../../../../../src/core/merge/version-content';
import type { EntityStore } from '../../../../../src/core/store/entity-store';
import type { Version } from '../../../../../src/core/merge/version';
import { dump, shuffle } from '../../support/merge-sim';
import { permutations } from '../../support/sim-node';

export interface Replica {
  readonly id: NodeId;
  readonly store: EntityStore;
}

/** Every version a store keeps, with its content, sorted: equal texts, equal kept sets. */
export const retainedText = (s: EntityStore): string =>
  [...s.retained()]
    .map((v) => `${v.entity}/${v.kind}/${encodeTs(v.ts)} ${canonicalContent(v)}`)
    .sort()
    .join('\n');

/**
 * Rounds of `round()` (every sync the property does in one round) until the kept sets of
 * `watched` stop changing; fails past 10 rounds.
 */
export function settle(watched: readonly Replica[], round: () => void): void {
  for (let n = 0; ; n++) {
    const before = watched.map((r) => retainedText(r.store)).join('#');
    round();
    if (watched.map((r) => retainedText(r.store)).join('#') === before) return;
    expect(n, 'anti-entropy does not settle').toBeLessThan(10);
  }
}

/**
 * Anti-entropy among `stores` in full: every store is handed (cloned, in its order) what every
 * other keeps and serves, round after round until nothing changes.
 */
export function syncAll(stores: readonly EntityStore[]): void {
  settle(
    stores.map((store, i) => ({ id: `r${i}` as NodeId, store })),
    () => {
      for (const a of stores)
        for (const b of stores) if (a !== b) for (const x of [...a.retained()]) b.apply(structuredClone(x));
    },
  );
}

/**
 * The replicas are one: the same heads (as `heads` prints them), the same kept set, the same
 * knowledge of every register (the context a new write would carry), and what any of them serves
 * is a duplicate at every other (nothing fetched and refused again).
 */
export function expectSameReplicas(
  replicas: readonly Replica[],
  registers: { readonly entities: readonly EntityId[]; readonly kinds: readonly ComponentKind[] },
  heads: (s: EntityStore) => string = dump,
): void {
  const first = replicas[0]!;
  for (const r of replicas) {
    expect(heads(r.store), `${r.id}: heads differ from ${first.id}'s`).toBe(heads(first.store));
    expect(retainedText(r.store), `${r.id}: kept set differs from ${first.id}'s`).toBe(retainedText(first.store));
    for (const entity of registers.entities)
      for (const kind of registers.kinds)
        expect(r.store.contextFor(entity, kind, 'fresh' as NodeId), `${r.id}: knowledge of ${entity}/${kind}`).toEqual(
          first.store.contextFor(entity, kind, 'fresh' as NodeId),
        );
  }
  for (const a of replicas)
    for (const b of replicas)
      if (a !== b)
        for (const v of a.store.retained()) expect(b.store.apply(v).kind, `${b.id} takes ${a.id}'s`).toBe('duplicate');
}

/**
 * One replica per order of `groups` (each opened by `open`, then given the groups in that order),
 * synced until settled: each takes what every other keeps and serves (`retained()`).
 */
export function replicasInEveryOrder(groups: readonly (readonly Version[])[], open: () => EntityStore): Replica[] {
  const replicas: Replica[] = permutations(groups.map((_, i) => i)).map((order) => {
    const store = open();
    for (const k of order) for (const x of groups[k]!) store.apply(structuredClone(x));
    return { id: order.join('') as NodeId, store };
  });
  settle(replicas, () => {
    for (const a of replicas)
      for (const b of replicas) if (a !== b) for (const x of [...a.store.retained()]) b.store.apply(structuredClone(x));
  });
  return replicas;
}

/** `versions` (a fifth of them twice), in a random order, to `store`. */
export function deliverShuffled(store: EntityStore, versions: readonly Version[], rnd: () => number): void {
  const batch = [...versions, ...versions.filter(() => rnd() < 0.2)];
  for (const v of shuffle(batch, rnd)) store.apply(structuredClone(v));
}

/**
 * Four replicas (r0..r3), each opened by `open` and delivered a random share of `all` (each version
 * with probability `share`, deliverShuffled), then synced until settled: each takes what every other
 * keeps and serves, in a random order. `given`: every version delivered to any of them.
 */
export function fourReplicasSynced(
  all: readonly Version[],
  rnd: () => number,
  share: number,
  open: () => EntityStore,
): { readonly replicas: Replica[]; readonly given: Version[] } {
  const given: Version[] = [];
  const replicas: Replica[] = ['r0', 'r1', 'r2', 'r3'].map((id) => {
    const store = open();
    const mine = all.filter(() => rnd() < share);
    given.push(...mine);
    deliverShuffled(store, mine, rnd);
    return { id: id as NodeId, store };
  });
  settle(replicas, () => {
    for (const a of replicas)
      for (const b of replicas)
        if (a !== b) for (const v of shuffle([...a.store.retained()], rnd)) b.store.apply(structuredClone(v));
  });
  return { replicas, given };
}
