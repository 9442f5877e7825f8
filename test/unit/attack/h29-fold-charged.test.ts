/**
 * Attack (review of the h29 fix, 2026-12-07, docs/security.md "Twins and evidence"): the h29 attack
 * through a fold instead of a context. A member's write naming 63 made-up authors stamped after an
 * honest head folds that head's author into the register's cut (docs/security.md, "Contexts and
 * register knowledge"): the head is dropped and kept as evidence, with no version covering it, so
 * chargedFor charged it to its own author. The member filled the honest author's allowance for free,
 * and that author's head, delivered after the fold, was refused there and kept where it came first:
 * two replicas differed after any anti-entropy, the head fetched and refused at every hold-back.
 *
 * Fixed: an item nothing covers is charged to the author of the version weighed last before it
 * (evidence.ts, chargedFor), never to its own author while another's version stands above it.
 */
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { EntityStore } from '../../../src/core/store/entity-store';
import { expectSameReplicas, settle, type Replica } from '../core/store/model/replica-sync';
import { permutations } from '../core/support/sim-node';
import { T0, ts, v } from './covered-expiry-fixtures';

const POSITION = 'position' as ComponentKind;
const X = 'x' as EntityId;
/** The author bound, lowered (StoreOptions.evidence) so the member fills it with a few writes. */
const PER_AUTHOR = 4;

/** p1's honest head on `e`. */
const z = (e: string): Version => v(e, POSITION, { lat: 1, lon: 1 }, ts(T0 + 100, 'p1'));
/** m's write naming 63 made-up authors after z: 65 authors, so the register folds p1 into its cut. */
const fold = (e: string): Version =>
  v(
    e,
    POSITION,
    { lat: 3, lon: 3 },
    ts(T0 + 300, 'm'),
    Array.from({ length: 63 }, (_, i) => ts(T0 + 200, `made-up-${String(i).padStart(2, '0')}`)),
  );

/** A store where m has folded p1's heads on other entities, each kept as evidence. */
function filled(): EntityStore {
  const s = new EntityStore({ evidence: { perAuthor: PER_AUTHOR } });
  for (let i = 0; i < PER_AUTHOR; i++) for (const x of [z(`e${i}`), fold(`e${i}`)]) s.apply(x);
  expect(s.evidenceStats().held).toBe(PER_AUTHOR);
  return s;
}

describe('attack suite: an honest author’s allowance filled by a member’s folds', () => {
  it('the folded head is charged to the member whose write stands above it, not to its author', () => {
    const s = filled();
    expect(
      s
        .state('e0' as EntityId)!
        .meta()
        .evidence!.map((x) => x.by),
    ).toEqual(['m']);
    expect(s.evidenceStats().authors).toBe(1);
  });

  it('the honest head is kept on every replica, in either order: replicas agree', () => {
    const groups = [[z(X)], [fold(X)]];
    const replicas: Replica[] = permutations([0, 1]).map((order) => {
      const store = filled();
      for (const k of order) for (const x of groups[k]!) store.apply(structuredClone(x));
      return { id: order.join('') as NodeId, store };
    });
    settle(replicas, () => {
      for (const a of replicas)
        for (const b of replicas)
          if (a !== b) for (const x of [...a.store.retained()]) b.store.apply(structuredClone(x));
    });
    expectSameReplicas(replicas, { entities: [X], kinds: [POSITION] });
    for (const rep of replicas) expect(rep.store.evidenceStats().refused, rep.id).toBe(0);
  });
});
