import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { EntityStore } from '../../../../src/core/store/entity-store';

const v = (value: number, ms: number, sig?: Uint8Array): Version => ({
  entity: 'e1' as EntityId,
  kind: 'speed' as ComponentKind,
  value: { kts: value },
  ts: { ms, c: 0, node: 'a' as NodeId },
  seen: [],
  ...(sig === undefined ? {} : { sig }),
});

describe('the verified mark of a component (docs/security.md, "The verified mark")', () => {
  it('marks a component whose winning version carries no signature, and only that', () => {
    const store = EntityStore.restore({ versions: [], entities: [] });
    store.apply(v(1, 1000));
    expect(store.view('e1' as EntityId, 2000)!.meta.speed!.unverified).toBe(true);
    store.apply(v(2, 1001, new Uint8Array(64)));
    const meta = store.view('e1' as EntityId, 2000)!.meta.speed!;
    expect(meta.unverified).toBeUndefined();
    expect('unverified' in meta).toBe(false);
  });

  it('a version signed as part of a batch (its proof) is marked verified too', () => {
    const store = EntityStore.restore({ versions: [], entities: [] });
    store.apply(v(1, 1000));
    const proof = {
      kind: 'path',
      form: 2,
      sig: new Uint8Array(64),
      count: 1,
      index: 0,
      path: [],
    } as const;
    store.apply({ ...v(2, 1001), proof });
    expect('unverified' in store.view('e1' as EntityId, 2000)!.meta.speed!).toBe(false);
  });
});

describe('a local write signed after the merge (EntityStore.adopt)', () => {
  const T0 = 1_700_000_000_000;
  for (const columns of [true, false]) {
    it(`keeps its signature when a concurrent write arrives while it is signed (columns: ${columns})`, () => {
      // Before: with columns on, the register left the columns for the concurrent write and held a
      // copy of ours made from them; adopt() looked only at the columns, so our head stayed unsigned.
      const store = new EntityStore({ columns });
      const w: Version = {
        entity: 'e1' as EntityId,
        kind: 'position' as ComponentKind,
        value: { lat: 1, lon: 2 },
        ts: { ms: T0, c: 1, node: 'a' as NodeId },
        seen: [],
      };
      store.apply(w);
      store.apply({ ...w, value: { lat: 3, lon: 4 }, ts: { ms: T0 + 1, c: 1, node: 'b' as NodeId } });
      const sig = new Uint8Array(64).fill(7);
      (w as { sig?: Uint8Array }).sig = sig;
      store.adopt([w]);
      const ours = store.heads('e1' as EntityId, 'position' as ComponentKind).find((h) => h.ts.node === 'a');
      expect(ours?.sig).toBe(sig);
    });
  }

  for (const columns of [true, false]) {
    it(`a signed same-content copy marks the head it equals (columns: ${columns})`, () => {
      // Before: the columns store took the mark from the copy, the objects store did not, so the two
      // forms disagreed on "unverified" (the model test's counterexample with SEED=42 NUM_RUNS=3000).
      const store = new EntityStore({ columns });
      const w: Version = {
        entity: 'e1' as EntityId,
        kind: 'threat' as ComponentKind,
        value: { level: 'NONE' },
        ts: { ms: T0, c: 1, node: 'a' as NodeId },
        seen: [],
      };
      store.apply(w);
      const copy: Version = { ...w, value: { level: 'NONE' } };
      store.apply(copy);
      const sig = new Uint8Array(64).fill(9);
      (copy as { sig?: Uint8Array }).sig = sig;
      store.adopt([copy]);
      expect(store.heads('e1' as EntityId, 'threat' as ComponentKind)[0]?.sig).toBe(sig);
    });
  }
});
