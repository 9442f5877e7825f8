/**
 * The store's entity numbers (EntityStore.numberOf, retainedAt: what the sync index names entities
 * by, src/core/sync/sync-index.ts): every entity held has one, no two share one, and reading a
 * register by number gives what reading it by id gives; a number held by none reads nothing.
 */
import { expect } from 'vitest';
import type { ComponentKind } from '../../../../../src/core/ids';
import type { Version } from '../../../../../src/core/merge/version';
import type { EntityStore } from '../../../../../src/core/store/entity-store';

const text = (v: Version): string => JSON.stringify([v.entity, v.kind, v.ts, v.value, v.seen]);

export function expectNumbered(store: EntityStore): void {
  const kinds = new Set<ComponentKind>();
  for (const v of store.retained()) kinds.add(v.kind);
  const held = new Set<number>();
  for (const id of store.ids()) {
    const n = store.numberOf(id);
    expect(n).toBeTypeOf('number');
    expect(held.has(n!)).toBe(false);
    held.add(n!);
    for (const kind of kinds) {
      expect([...store.retainedAt(n!, kind)].map(text)).toEqual([...store.retainedOf(id, kind)].map(text));
    }
  }
  const top = Math.max(-1, ...held) + 2;
  for (let n = 0; n < top; n++) {
    if (held.has(n)) continue;
    for (const kind of kinds) expect([...store.retainedAt(n, kind)]).toEqual([]);
  }
}
