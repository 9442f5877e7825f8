/**
 * The items VersionClasses hands the classifier keep one hidden class, threat or not: the relay and
 * each link classify every version they send, and an item spread with the threat level only when
 * the version is a threat took two classes, so classOf read them through polymorphic loads.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ClassifiedItem } from '../../../../src/core/budget/class-of';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { haveSameMap } from '../../support/v8-natives';

const seen: ClassifiedItem[] = [];
vi.mock('../../../../src/core/budget/class-of', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/core/budget/class-of')>();
  return {
    ...real,
    classOf: (item: ClassifiedItem) => {
      seen.push(item);
      return real.classOf(item);
    },
  };
});
const { VersionClasses } = await import('../../../../src/node/mesh/version-classes');

const v = (kind: string, value: unknown): Version => ({
  entity: 't1' as EntityId,
  kind: kind as ComponentKind,
  value: value as never,
  ts: { ms: 1, c: 0, node: 'n1' as NodeId },
  seen: [],
});

describe('VersionClasses items', () => {
  it('a threat change and a position hand the classifier items of one hidden class', () => {
    const classes = new VersionClasses(() => 'NONE');
    expect(classes.classOf(v('threat', { level: 'HIGH' }))).toBe('high');
    expect(classes.classOf(v('position', { lat: 1, lon: 2 }))).toBe('position');
    expect(seen).toHaveLength(2);
    expect(haveSameMap(seen[0]!, seen[1]!)).toBe(true);
  });
});
