/**
 * A store's marks (EntityStore.marks, entity-marks.ts: marked ids in insertion order, held by the
 * entities' numbers) against a Set<EntityId>, over random sequences of writes, withdrawals that
 * empty entities (the store forgets them and gives their numbers again, most often to another
 * entity), adds, deletes and clears, of entities held or not. After every step the marks give the
 * ids the Set gives, in its order, and agree with it on size and has(). Replay a failure with
 * SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { expectNumbered } from './model/numbers';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 100);

// Entities 0..15 are written; 16..19 never are (marked while the store holds no number for them).
const ENTITIES = Array.from({ length: 20 }, (_, i) => `e${i}` as EntityId);
const AUTHORS = ['a', 'b', 'c'] as NodeId[];
const T0 = 1_700_000_000_000;

type Step =
  | { readonly t: 'write'; readonly entity: number; readonly author: number }
  | { readonly t: 'withdraw'; readonly author: number }
  | { readonly t: 'add'; readonly entity: number }
  | { readonly t: 'delete'; readonly entity: number }
  | { readonly t: 'clear' };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('write' as const), entity: nat(15), author: nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('withdraw' as const), author: nat(2) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('add' as const), entity: nat(19) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('delete' as const), entity: nat(19) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const) }) },
);

function write(store: EntityStore, entity: EntityId, author: NodeId, ms: number): void {
  store.apply({
    entity,
    kind: 'position' as ComponentKind,
    value: { lat: 1, lon: 2 },
    ts: { ms, c: 0, node: author },
    seen: [],
  });
}

describe('EntityStore.marks (entity-marks.ts)', () => {
  console.log(`entity-marks: SEED=${seed}`);

  it('gives what a Set gives, in its order, entities forgotten and their numbers given again', () => {
    // Marked entities the store forgot, over all runs: the case the numbers make hard must be met.
    let forgotten = 0;
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 20, maxLength: 200, size: 'max' }), (steps) => {
        const store = new EntityStore();
        const marks = store.marks();
        const model = new Set<EntityId>();
        let ms = T0;
        for (const step of steps) {
          if (step.t === 'write') write(store, ENTITIES[step.entity]!, AUTHORS[step.author]!, ++ms);
          else if (step.t === 'withdraw') {
            // Every write of the author taken out: an entity only it wrote is forgotten.
            const held = ENTITIES.filter((id) => store.numberOf(id) !== undefined && marks.has(id));
            store.withdraw(new Map([[AUTHORS[step.author]!, { ms: T0, c: 0, node: AUTHORS[step.author]! }]]), ms);
            forgotten += held.filter((id) => store.numberOf(id) === undefined).length;
          } else if (step.t === 'add') {
            marks.add(ENTITIES[step.entity]!);
            model.add(ENTITIES[step.entity]!);
          } else if (step.t === 'delete') {
            expect(marks.delete(ENTITIES[step.entity]!)).toBe(model.delete(ENTITIES[step.entity]!));
          } else {
            marks.clear();
            model.clear();
          }
          expect([...marks]).toEqual([...model]);
          expect(marks.size).toBe(model.size);
          for (const id of ENTITIES) expect(marks.has(id)).toBe(model.has(id));
        }
        expectNumbered(store);
      }),
      { seed, numRuns },
    );
    expect(forgotten).toBeGreaterThan(0);
  });

  it('keeps its order through many deletes and adds without a clear (the queue compacts)', () => {
    const store = new EntityStore();
    const marks = store.marks();
    const model = new Set<EntityId>();
    // 40 entities held, and 10 never held (kept aside by id).
    const ids = Array.from({ length: 50 }, (_, i) => `h${i}` as EntityId);
    for (let i = 0; i < 40; i++) write(store, ids[i]!, 'a' as NodeId, T0 + i);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 50; i++) {
        const id = ids[(i * 7 + round) % 50]!;
        if ((i + round) % 3 === 0) {
          marks.delete(id);
          model.delete(id);
        } else {
          marks.add(id);
          model.add(id);
        }
      }
      expect([...marks]).toEqual([...model]);
    }
  });

  it('gives a forgotten entity by its id, in its place, and not the entity its number goes to', () => {
    const store = new EntityStore();
    const marks = store.marks();
    const [x, y, z] = ['x', 'y', 'z'] as EntityId[];
    write(store, x!, 'a' as NodeId, T0);
    write(store, y!, 'b' as NodeId, T0 + 1);
    marks.add(x!);
    marks.add(y!);
    const n = store.numberOf(x!);
    store.withdraw(new Map([['a' as NodeId, { ms: T0 - 1, c: 0, node: 'a' as NodeId }]]), T0 + 2);
    expect(store.numberOf(x!)).toBeUndefined();
    write(store, z!, 'b' as NodeId, T0 + 3);
    expect(store.numberOf(z!)).toBe(n);
    expect([...marks]).toEqual([x, y]);
    expect(marks.has(z!)).toBe(false);
    marks.add(z!);
    expect([...marks]).toEqual([x, y, z]);
  });
});
