/**
 * Issue 8 (hostile): two versions of one expiry under one timestamp (twins) carrying two deadlines.
 * Every replica keeps the twin whose content sorts first (compareTwins), so that is the one that
 * fires: a replica that fired the other twin, then received the one the merge keeps, takes that
 * floor away (EntityState.cancelsFloor), and the next purge fires the kept twin, as it fires where
 * the kept twin came first (docs/architecture.md, "Expiry").
 */
import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { compareTwins } from '../../../../src/core/store/evidence';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { dump } from '../support/merge-sim';
import { exchange, node, permutations } from '../support/sim-node';

const X = 'x' as EntityId;
const T0 = 1_700_000_000_000;

const v = (kind: string, value: unknown, ms: number, author: string): Version => ({
  entity: X,
  kind: kind as Version['kind'],
  value: value as Version['value'],
  ts: { ms, c: 0, node: author as NodeId },
  seen: [],
});

function state(store: EntityStore): string {
  const metas = store.snapshot().entities.map((m) => JSON.stringify(m));
  return [dump(store, true), ...metas.sort(), JSON.stringify([...store.evidence()])].join('\n');
}

describe('twins of an expiry with two deadlines', () => {
  for (const [d1, d2] of [
    [T0 + 1_000, T0 + 3_000],
    [T0 + 3_000, T0 + 1_000],
  ]) {
    it(`fire the twin the merge keeps, whatever the order and purge timing (deadlines +${d1 - T0}, +${d2 - T0})`, () => {
      const p1 = v('position', { lat: 1, lon: 1 }, T0, 'a');
      // written between the two deadlines: shown or not depending on which twin fires
      const p2 = v('position', { lat: 2, lon: 2 }, T0 + 2_000, 'a');
      const twins = [v('expiry', { at: d1 }, T0 + 10, 'h'), v('expiry', { at: d2 }, T0 + 10, 'h')];
      const [kept, other] = compareTwins(twins[0]!, twins[1]!) < 0 ? twins : [twins[1]!, twins[0]!];
      const now = T0 + 4_000;
      const replicas = [];
      // the other twin first, fired before the kept one arrives
      const a = node('a', now).receive(p1, other);
      a.store.purgeExpired(now);
      a.receive(kept, p2);
      replicas.push(a);
      // every order, purging at the end
      for (const order of permutations([p1, p2, other, kept])) replicas.push(node('c', now).receive(...order));
      for (const r of replicas) r.store.purgeExpired(now);
      // What a floor taken away had dropped comes back from peers (anti-entropy).
      for (const r of replicas.slice(1)) exchange(a, r);
      for (const r of replicas) r.store.purgeExpired(now);
      const shown = (kept.value as { at: number }).at < p2.ts.ms ? { lat: 2, lon: 2 } : undefined;
      for (const r of replicas) {
        expect(r.store.state(X)?.floor).toBe((kept.value as { at: number }).at);
        expect(r.store.view(X, now)?.components.position).toEqual(shown);
        expect(state(r.store)).toBe(state(replicas[1]!.store));
      }
    });
  }
});
