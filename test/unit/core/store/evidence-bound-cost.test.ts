// The entity's evidence bound (docs/security.md, "Twins and evidence"): a delivery that certainly
// keeps nothing as evidence is decided without the dry run on a copy of the entity.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityState } from '../../../../src/core/store/entity-state';
import { EntityStore } from '../../../../src/core/store/entity-store';
import { MAX_EVIDENCE_PER_ENTITY } from '../../../../src/core/store/evidence';

const T = 1_700_000_000_000;
const e = 'e' as EntityId;
const at = (ms: number, node: string, c = 0) => ({ ms, c, node: node as NodeId });
const put = (kind: string, ts: ReturnType<typeof at>, text: string, seen: ReturnType<typeof at>[]): Version => ({
  entity: e,
  kind: kind as ComponentKind,
  value: { text },
  ts,
  seen,
});

/** An entity at its evidence bound: twins by `x`, each pair leaving one kept as evidence. */
function full(): EntityStore {
  const store = new EntityStore();
  let n = 0;
  for (let i = 0; i <= MAX_EVIDENCE_PER_ENTITY; i++) {
    const ts = at(T + 10 * i, 'x');
    store.apply(put('note', ts, 's', []));
    store.apply(put('note', ts, 's', [at(T - 5, `z${n++}`)]));
  }
  return store;
}

afterEach(() => vi.restoreAllMocks());

describe('the entity bound decides cheaply', () => {
  it('an honest write that saw every head takes no copy of an entity at the bound', () => {
    const store = full();
    expect(store.state(e)!.evidenceCount).toBe(MAX_EVIDENCE_PER_ENTITY);
    const clone = vi.spyOn(EntityState.prototype, 'clone');
    for (let i = 0; i < 10; i++) {
      const out = store.apply(put('note', at(T + 1_000 + i, 'h'), `v${i}`, [at(T + 999 + i, 'h')]));
      expect(out.kind).toBe('applied');
    }
    expect(clone).not.toHaveBeenCalled();
    expect(store.heads(e, 'note' as ComponentKind).map((h) => h.ts.node)).toEqual(['h']);
  });

  it('a twin at the bound still takes the dry run', () => {
    const store = full();
    const clone = vi.spyOn(EntityState.prototype, 'clone');
    const ts = at(T + 5_000, 'x');
    store.apply(put('note', ts, 's', []));
    store.apply(put('note', ts, 's', [at(T - 5, 'zz')]));
    expect(clone).toHaveBeenCalled();
  });
});
