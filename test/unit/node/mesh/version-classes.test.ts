import { describe, expect, it } from 'vitest';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { GENERATION, VersionClasses } from '../../../../src/node/mesh/version-classes';

const v = (entity: string, kind: string, value: unknown, node = 'n1', ms = 1): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

describe('VersionClasses', () => {
  it('ranks versions from what the store knows of their entity', () => {
    const store = new Map<string, ThreatLevel>();
    const classes = new VersionClasses((e) => store.get(e) ?? 'NONE');
    expect(classes.classOf(v('t1', 'position', { lat: 1, lon: 2 }))).toBe('position');
    expect(classes.classOf(v('t1', 'zz_note', {}))).toBe('none');
    expect(classes.classOf(v('t1', DELETED, null))).toBe('delete');
    expect(classes.classOf(v('t1', 'approval', {}))).toBe('high');
    store.set('t1', 'MEDIUM');
    expect(classes.classOf(v('t1', 'position', { lat: 1, lon: 2 }))).toBe('medium');
  });

  it('sends a stand-down from HIGH as fast as the alarm: the level before the change counts', () => {
    const store = new Map<string, ThreatLevel>();
    const classes = new VersionClasses((e) => store.get(e) ?? 'NONE');
    const alarm = v('t1', 'threat', { level: 'HIGH' }, 'n1', 1);
    store.set('t1', 'HIGH');
    classes.noted([alarm]);
    expect(classes.classOf(alarm)).toBe('high');
    const standDown = v('t1', 'threat', { level: 'NONE' }, 'n1', 2);
    store.set('t1', 'NONE');
    classes.noted([standDown]);
    expect(classes.classOf(standDown)).toBe('high');
    // Afterwards the entity is a plain track again.
    expect(classes.classOf(v('t1', 'position', { lat: 1, lon: 2 }))).toBe('position');
  });

  it('remembers the level before for the threat versions noted lately only (bounded), a whole batch at least', () => {
    const store = new Map<string, ThreatLevel>();
    const classes = new VersionClasses((e) => store.get(e) ?? 'NONE');
    const alarm = v('t1', 'threat', { level: 'HIGH' }, 'n1', 1);
    store.set('t1', 'HIGH');
    classes.noted([alarm]);
    const standDown = v('t1', 'threat', { level: 'NONE' }, 'n1', 2);
    store.set('t1', 'NONE');
    classes.noted([standDown]);
    // A batch larger than a generation: every one of its versions keeps its level before.
    const others = (from: number, n: number): Version[] =>
      Array.from({ length: n }, (_, i) => v(`e${from + i}`, 'threat', { level: 'LOW' }, 'n1', 3));
    const big = others(0, GENERATION + 10);
    for (const o of big) store.set(o.entity, 'LOW');
    const standDown2 = v('t2', 'threat', { level: 'NONE' }, 'n1', 2);
    store.set('t2', 'HIGH');
    classes.noted([v('t2', 'threat', { level: 'HIGH' }, 'n1', 1)]);
    store.set('t2', 'NONE');
    classes.noted([...big, standDown2]);
    expect(classes.classOf(standDown2)).toBe('high');
    expect(classes.classOf(big[0]!)).toBe('low');
    // One generation later the first stand-down is still known...
    expect(classes.classOf(standDown)).toBe('high');
    classes.noted(others(GENERATION + 10, 1));
    expect(classes.classOf(standDown2)).toBe('high');
    // ...two later it is ranked by the entity's level now, as a version never noted is.
    classes.noted(others(GENERATION + 11, GENERATION));
    classes.noted(others(2 * GENERATION + 11, 1));
    expect(classes.classOf(standDown)).toBe('none');
    expect(classes.classOf(standDown2)).toBe('none');
  });

  it("keeps the levels in the store's column: an entity the store forgot starts again from NONE", () => {
    const store = new EntityStore();
    const threatOf = (e: EntityId): ThreatLevel =>
      (store.heads(e, 'threat' as ComponentKind)[0]?.value as { level?: ThreatLevel } | undefined)?.level ?? 'NONE';
    const classes = new VersionClasses(threatOf, store.column('u8'));
    const note = (x: Version): void => {
      store.apply(x);
      classes.noted([x]);
    };
    note(v('t1', 'threat', { level: 'HIGH' }, 'n1', 1));
    const standDown = v('t1', 'threat', { level: 'NONE' }, 'n1', 2);
    note(standDown);
    expect(classes.classOf(standDown)).toBe('high');
    note(v('t1', 'threat', { level: 'MEDIUM' }, 'n1', 3));
    // n1's writes withdrawn: the store forgets t1 and gives its number to t2.
    const n = store.numberOf('t1' as EntityId);
    store.withdraw(new Map([['n1' as NodeId, { ms: 0, c: 0, node: 'n1' as NodeId }]]), 10);
    const first = v('t2', 'threat', { level: 'NONE' }, 'n2', 4);
    note(first);
    expect(store.numberOf('t2' as EntityId)).toBe(n);
    expect(classes.classOf(first)).toBe('none');
  });

  it('coalesces per entity, component and writer', () => {
    const a = VersionClasses.keyOf(v('t1', 'position', {}, 'n1', 1));
    expect(VersionClasses.keyOf(v('t1', 'position', {}, 'n1', 2))).toBe(a);
    expect(VersionClasses.keyOf(v('t1', 'position', {}, 'n2', 2))).not.toBe(a);
    expect(VersionClasses.keyOf(v('t1', 'velocity', {}, 'n1', 2))).not.toBe(a);
  });
});
