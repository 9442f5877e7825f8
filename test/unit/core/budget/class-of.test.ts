import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classOf, coalesceKey, leadsClass, type ClassifiedItem } from '../../../../src/core/budget/class-of';
import { THREAT_LEVELS } from '../../../../src/core/entity/component-types';

const base: ClassifiedItem = { entityId: 'e1', kind: 'classification', tombstone: false };

describe('classOf', () => {
  it.each<[string, Partial<ClassifiedItem>, string]>([
    ['a delete, whatever its kind', { kind: 'position', tombstone: true }, 'delete'],
    ['a HIGH threat being set', { kind: 'threat', threatLevel: 'HIGH' }, 'high'],
    ['a HIGH threat being lowered', { kind: 'threat', threatLevel: 'NONE', entityThreat: 'HIGH' }, 'high'],
    ['an approval', { kind: 'approval' }, 'high'],
    ['a task', { kind: 'task', entityThreat: 'LOW' }, 'high'],
    // An admission or a removal must not wait behind HIGH..LOW traffic on a thin link (docs/budgeter.md).
    ['a roster op', { entityId: 'roster:n1:3', kind: 'rosterOp' }, 'high'],
    ['any kind on a roster entity', { entityId: 'roster:n1:4', kind: 'x-other', entityThreat: 'NONE' }, 'high'],
    ['any change to a HIGH-threat entity, its motion too', { kind: 'position', entityThreat: 'HIGH' }, 'high'],
    ['a MEDIUM-threat entity', { kind: 'classification', entityThreat: 'MEDIUM' }, 'medium'],
    ['a MEDIUM threat being set', { kind: 'threat', threatLevel: 'MEDIUM', entityThreat: 'LOW' }, 'medium'],
    ['motion of a LOW-threat entity', { kind: 'velocity', entityThreat: 'LOW' }, 'low'],
    ['a non-motion change without threat', { kind: 'source' }, 'none'],
    ['an unknown kind without threat', { kind: 'x-custom', entityThreat: 'NONE' }, 'none'],
    ['a position without threat', { kind: 'position' }, 'position'],
    ['a velocity without threat', { kind: 'velocity', entityThreat: 'NONE' }, 'position'],
  ])('puts %s in its class', (_name, item, cls) => {
    expect(classOf({ ...base, ...item })).toBe(cls);
  });

  it('never ranks a change below what the entity’s threat or the threat it sets calls for', () => {
    const order = ['position', 'none', 'low', 'medium', 'high', 'delete'];
    const forLevel = { NONE: 'position', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' } as const;
    fc.assert(
      fc.property(
        fc.constantFrom('position', 'velocity', 'threat', 'classification', 'approval', 'task', 'other'),
        fc.boolean(),
        fc.option(fc.constantFrom(...THREAT_LEVELS), { nil: undefined }),
        fc.option(fc.constantFrom(...THREAT_LEVELS), { nil: undefined }),
        (kind, tombstone, threatLevel, entityThreat) => {
          const cls = classOf({ entityId: 'e', kind, tombstone, threatLevel, entityThreat });
          for (const level of [entityThreat, kind === 'threat' ? threatLevel : undefined]) {
            if (level !== undefined) expect(order.indexOf(cls)).toBeGreaterThanOrEqual(order.indexOf(forLevel[level]));
          }
          if (tombstone) expect(cls).toBe('delete');
        },
      ),
    );
  });

  it('keys coalescing by entity and kind, without collisions between the two', () => {
    expect(coalesceKey('a', 'bc')).not.toBe(coalesceKey('ab', 'c'));
    expect(coalesceKey('a', 'position')).toBe(coalesceKey('a', 'position'));
  });
});

describe('leadsClass', () => {
  it('leads with deletes, decisions and threat changes only, never with the other kinds of a HIGH track', () => {
    expect(leadsClass('position', 'delete')).toBe(true);
    for (const kind of ['approval', 'task', 'rosterOp', 'threat']) expect(leadsClass(kind, 'high')).toBe(true);
    for (const kind of ['position', 'velocity', 'classification', 'source', 'expiry', 'note.x'])
      expect(leadsClass(kind, 'high')).toBe(false);
    expect(leadsClass('threat', 'medium')).toBe(false);
    expect(leadsClass('ping', 'control')).toBe(false);
  });
});
