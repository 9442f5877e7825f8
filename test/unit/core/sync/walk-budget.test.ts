/**
 * The responder's walk budget (limits.ts RECONCILE_WALK_BUDGET) must never bind an honest session:
 * each of these complete sessions, answered under the sync's own push and reply bounds
 * (responder.ts), walks well under half of it (docs/security.md, "Per-link limits"). With differences
 * spread over the set each round walks all of it, so the walk grows with the rounds (1 % random at
 * 100,000 items: about 9 × n).
 */
import { describe, expect, it } from 'vitest';
import { Reconciler, SortedVectorStorage, UNSESSIONED_FINGERPRINT_KEY } from '../../../../src/core/reconcile';
import type { Item } from '../../../../src/core/reconcile/item';
import {
  PUSH_FLOOR_VERSIONS,
  PUSH_VERSIONS_PER_REQUEST_BYTE,
  RECONCILE_OPEN_MIN_ITEMS,
  RECONCILE_WALK_BUDGET,
  REPLY_BYTES_PER_REQUEST_BYTE,
  REPLY_FLOOR_BYTES,
} from '../../../../src/core/sync/limits';
import { divergentSets, makeItems } from '../reconcile/helpers';

/** Runs an honest session to its end; returns the items the responder walked. */
function walked(a: Item[], b: Item[]): number {
  const opts = { key: UNSESSIONED_FINGERPRINT_KEY, push: true };
  const initiator = new Reconciler(new SortedVectorStorage(a), opts);
  const responder = new Reconciler(new SortedVectorStorage(b), opts);
  let msg: Uint8Array | null = initiator.initiate();
  for (let rounds = 0; msg !== null; rounds++) {
    if (rounds > 5_000) throw new Error('too many rounds');
    const room = PUSH_FLOOR_VERSIONS + PUSH_VERSIONS_PER_REQUEST_BYTE * msg.length;
    const r = responder.reconcile(msg, room, REPLY_FLOOR_BYTES + REPLY_BYTES_PER_REQUEST_BYTE * msg.length);
    msg = initiator.reconcile(r.reply!).reply;
  }
  return responder.walked;
}

describe('walk budget', () => {
  const cases: [string, () => { a: Item[]; b: Item[] }][] = [];
  for (const n of [3_000, 40_000]) {
    cases.push([`${n} items, the initiator holds none`, () => ({ a: [], b: makeItems(n, 1) })]);
    cases.push([
      `${n} items, the initiator holds every other one`,
      () => {
        const b = makeItems(n, 2);
        return { a: b.filter((_, i) => i % 2 === 0), b };
      },
    ]);
    cases.push([`${n} items, the same`, () => ({ a: makeItems(n, 3), b: makeItems(n, 3) })]);
    for (const kind of ['recent', 'random'] as const)
      for (const owner of ['both', 'initiator', 'responder'] as const)
        cases.push([`${n} items, 1 % ${kind} held by ${owner}`, () => divergentSets(n, kind, owner, 4)]);
  }
  cases.push(['100000 items, 1 % random held by both', () => divergentSets(100_000, 'random', 'both', 4)]);
  it.each(cases)(
    'an honest session never nears it: %s',
    (_, sets) => {
      const { a, b } = sets();
      const budget = RECONCILE_WALK_BUDGET * Math.max(b.length, RECONCILE_OPEN_MIN_ITEMS);
      expect(walked(a, b)).toBeLessThanOrEqual(budget / 2);
    },
    60_000,
  );
});
