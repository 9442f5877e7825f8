import { describe, expect, it } from 'vitest';
import type { EntityId, NodeId } from '../../../../src/core/ids';
import {
  NEW_ENTITIES_PER_SECOND,
  NEW_ENTITY_BURST,
  NewEntityLimit,
} from '../../../../src/node/security/new-entity-limit';
import { note } from '../../attack/attack-scene';

const nothingHeld = (): boolean => false;

describe('NewEntityLimit (new entities per author)', () => {
  it('takes an author’s burst of new entities, then refuses more until its bucket refills', () => {
    const limit = new NewEntityLimit('m' as NodeId);
    const burst = Array.from({ length: NEW_ENTITY_BURST }, (_, i) => note(`e${i}`, 'a', 1, 'x'));
    expect(limit.split(burst, nothingHeld, 0).refused).toEqual([]);
    const more = [note('over-1', 'a', 2, 'x'), note('over-2', 'a', 2, 'x')];
    expect(limit.split(more, nothingHeld, 0).refused.map((v) => v.entity)).toEqual(['over-1', 'over-2']);
    expect(limit.hits).toBe(2);
    // One second later, NEW_ENTITIES_PER_SECOND more.
    const later = Array.from({ length: NEW_ENTITIES_PER_SECOND + 1 }, (_, i) => note(`l${i}`, 'a', 3, 'x'));
    expect(limit.split(later, nothingHeld, 1000).refused.map((v) => v.entity)).toEqual([`l${NEW_ENTITIES_PER_SECOND}`]);
  });

  it('charges an entity once per batch, refuses all of its versions together, and never charges held entities nor our own', () => {
    const limit = new NewEntityLimit('m' as NodeId, 1, 0);
    const out = limit.split(
      [note('t1', 'a', 1, 'x'), { ...note('t1', 'a', 1, 'y'), kind: 'zz_other' as never }, note('t2', 'a', 1, 'z')],
      nothingHeld,
      0,
    );
    expect(out.accepted.map((v) => v.entity)).toEqual(['t1', 't1']);
    expect(out.refused.map((v) => v.entity)).toEqual(['t2']);
    const held = new Set<EntityId>(['t1' as EntityId]);
    expect(limit.split([note('t1', 'a', 2, 'again')], (e) => held.has(e), 0).refused).toEqual([]);
    expect(limit.split([note('mine', 'm', 2, 'ours')], nothingHeld, 0).refused).toEqual([]);
    // A version of a refused entity by another author is refused with it in the same batch.
    expect(limit.split([note('t3', 'a', 3, 'x'), note('t3', 'b', 3, 'x')], nothingHeld, 0).refused.length).toBe(2);
  });

  it('keeps one bucket per author: another author is not charged for a flooder', () => {
    const limit = new NewEntityLimit('m' as NodeId, 2, 0);
    limit.split([note('x1', 'x', 1, ''), note('x2', 'x', 1, ''), note('x3', 'x', 1, '')], nothingHeld, 0);
    expect(limit.split([note('b1', 'b', 1, '')], nothingHeld, 0).refused).toEqual([]);
  });

  it('holds a bounded number of authors, the least recently charged going first', () => {
    const limit = new NewEntityLimit('m' as NodeId, 1, 0, 3);
    for (const a of ['a', 'b', 'c']) limit.split([note(`${a}1`, a, 1, '')], nothingHeld, 0);
    limit.split([note('d1', 'd', 1, '')], nothingHeld, 0); // evicts a
    expect(limit.split([note('c2', 'c', 1, '')], nothingHeld, 0).refused.length).toBe(1);
    expect(limit.split([note('a2', 'a', 1, '')], nothingHeld, 0).refused.length).toBe(0);
  });
});
