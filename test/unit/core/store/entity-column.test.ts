/**
 * A store's columns (EntityStore.column, entity-column.ts: one number per entity, by its number)
 * against a Map per column, over random sequences of writes, withdrawals that empty entities (the
 * store forgets them and gives their numbers again, most often to another entity) and sets, of
 * entities held or not. After every step every entity reads what the Map says: a value set while
 * it is held, 0 if never set, and 0 again once the store forgot it, whatever entity held its number.
 * Replay a failure with SEED=<printed seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { MapColumn } from '../../../../src/core/store/entity-column';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { expectNumbered } from './model/numbers';

const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.NUM_RUNS ?? 300);

const ENTITIES = Array.from({ length: 80 }, (_, i) => `e${i}` as EntityId);
const AUTHORS = ['a', 'b', 'c'] as NodeId[];
const T0 = 1_700_000_000_000;

type Step =
  | { readonly t: 'write'; readonly entity: number; readonly author: number }
  | { readonly t: 'withdraw'; readonly author: number }
  | { readonly t: 'set'; readonly entity: number; readonly column: number; readonly value: number };

const nat = (max: number) => fc.integer({ min: 0, max });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('write' as const), entity: nat(79), author: nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('withdraw' as const), author: nat(2) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('set' as const),
      entity: nat(79),
      column: nat(1),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  },
);

describe('EntityStore.column (entity-column.ts)', () => {
  it('reads what a Map per column reads, entities forgotten and their numbers given again', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 300 }), (steps) => {
        const store = new EntityStore();
        const columns = [store.column('u8'), store.column('f64')];
        const models = [new MapColumn(), new MapColumn()];
        let ms = T0;
        for (const step of steps) {
          if (step.t === 'write') {
            ms += 1;
            store.apply({
              entity: ENTITIES[step.entity]!,
              kind: 'position' as ComponentKind,
              value: { lat: 1, lon: 2 },
              ts: { ms, c: 0, node: AUTHORS[step.author]! },
              seen: [],
            });
          } else if (step.t === 'withdraw') {
            // Every write of the author taken out: an entity only it wrote is forgotten.
            store.withdraw(new Map([[AUTHORS[step.author]!, { ms: T0, c: 0, node: AUTHORS[step.author]! }]]), ms);
          } else {
            const id = ENTITIES[step.entity]!;
            // An f64 column holds any number; a u8 column integers 0..255.
            const value = step.column === 1 ? step.value * 1e9 + 0.25 : step.value;
            columns[step.column]!.set(id, value);
            if (store.numberOf(id) !== undefined) models[step.column]!.set(id, value);
          }
          const held = new Set(store.ids());
          for (const model of models) for (const id of ENTITIES) if (!held.has(id)) model.set(id, 0);
          for (let c = 0; c < 2; c++) {
            for (const id of ENTITIES) expect(columns[c]!.get(id)).toBe(models[c]!.get(id));
          }
        }
        expectNumbered(store);
      }),
      { seed, numRuns },
    );
  });

  it('gives a freed number back at 0: the entity given it does not read the one forgotten', () => {
    const store = new EntityStore();
    const column = store.column('f64');
    const write = (entity: string, node: string, ms: number): void => {
      store.apply({
        entity: entity as EntityId,
        kind: 'position' as ComponentKind,
        value: { lat: 1, lon: 2 },
        ts: { ms, c: 0, node: node as NodeId },
        seen: [],
      });
    };
    write('old', 'a', T0 + 1);
    column.set('old' as EntityId, 42);
    const n = store.numberOf('old' as EntityId);
    store.withdraw(new Map([['a' as NodeId, { ms: T0, c: 0, node: 'a' as NodeId }]]), T0 + 2);
    expect(store.numberOf('old' as EntityId)).toBeUndefined();
    expect(column.get('old' as EntityId)).toBe(0);
    write('new', 'b', T0 + 3);
    expect(store.numberOf('new' as EntityId)).toBe(n);
    expect(column.get('new' as EntityId)).toBe(0);
    // Set while not held: ignored.
    column.set('old' as EntityId, 7);
    expect(column.get('old' as EntityId)).toBe(0);
  });
});
