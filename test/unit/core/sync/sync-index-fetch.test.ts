import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { numbering, SyncIndex, timestampTag } from '../../../../src/core/sync/sync-index';
import * as ids from '../../../../src/core/sync/version-id';

const hashes = vi.hoisted(() => ({ count: 0 }));
// Every id the index computes goes through versionId or versionIdKey (the id as the index's key):
// counted here, to bound what a want costs.
vi.mock('../../../../src/core/sync/version-id', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../../src/core/sync/version-id')>();
  return {
    ...actual,
    versionId: (v: Version) => {
      hashes.count++;
      return actual.versionId(v);
    },
    versionIdKey: (v: Version) => {
      hashes.count++;
      return actual.versionIdKey(v);
    },
  };
});

const E = 'e1' as EntityId;
const K = 'position' as ComponentKind;
const MS = 1_700_000_000_000;
const twin = (i: number, c = 0): Version => ({
  entity: E,
  kind: K,
  value: { lat: i, lon: 2 },
  ts: { ms: MS, c, node: 'x' as NodeId },
  seen: [],
});

describe('SyncIndex: a want among many versions at one HLC ms (docs/security.md, twins)', () => {
  beforeEach(() => {
    hashes.count = 0;
  });

  it('hashes none of the 64 twins the store holds under one timestamp, and finds the wanted one', () => {
    const store = Array.from({ length: 64 }, (_, i) => twin(i));
    const index = new SyncIndex(
      store,
      numbering(() => store),
    );
    const wanted = [ids.versionId(store[0]!), ids.versionId(store[63]!)];
    hashes.count = 0;
    expect(index.lookup(wanted)).toEqual([store[0], store[63]]);
    expect(hashes.count).toBe(0);
  });

  it('with versions read back as copies, hashes only the one at the wanted counter', () => {
    const store = Array.from({ length: 64 }, (_, i) => twin(i, i));
    const index = new SyncIndex(
      store,
      numbering(() => store.map((x) => ({ ...x }))),
    );
    const wanted = ids.versionId(store[40]!);
    hashes.count = 0;
    expect(index.lookup([wanted])).toEqual([store[40]]);
    expect(hashes.count).toBe(1);
  });

  it('serves the wanted version when another of its register, at another ms, has the same timestamp tag', () => {
    // Counters chosen so that all four timestamps share one tag (timestampTag: counter xor a mix of the ms).
    const at = (k: number): Version => ({
      ...twin(k),
      ts: { ms: MS + k * 1000, c: timestampTag(MS, 0) ^ timestampTag(MS + k * 1000, 0), node: 'x' as NodeId },
    });
    const store = [0, 1, 2, 3].map(at);
    expect(new Set(store.map((v) => timestampTag(v.ts.ms, v.ts.c))).size).toBe(1);
    const index = new SyncIndex(
      store,
      numbering(() => store.map((x) => ({ ...x }))),
    );
    for (const v of store) {
      const wanted = ids.versionId(v);
      hashes.count = 0;
      expect(index.lookup([wanted])).toEqual([v]);
      // The versions before it in the register were hashed too (same tag), none after it.
      expect(hashes.count).toBe(store.indexOf(v) + 1);
    }
    // Different ms, one counter: the tags differ, so a want hashes only the wanted version.
    const apart = [0, 1, 2, 3].map((k): Version => ({ ...twin(k), ts: { ms: MS + k, c: 0, node: 'x' as NodeId } }));
    expect(new Set(apart.map((v) => timestampTag(v.ts.ms, v.ts.c))).size).toBe(4);
    const index2 = new SyncIndex(
      apart,
      numbering(() => apart.map((x) => ({ ...x }))),
    );
    const wanted = ids.versionId(apart[3]!);
    hashes.count = 0;
    expect(index2.lookup([wanted])).toEqual([apart[3]]);
    expect(hashes.count).toBe(1);
  });

  it('counts a want for an id the index holds but the store no longer does (stale)', () => {
    let store = [twin(1), twin(2)];
    const index = new SyncIndex(
      store,
      numbering(() => store),
    );
    const gone = store[0]!;
    store = [store[1]!];
    expect(index.lookup([ids.versionId(gone), ids.versionId(store[0]!)])).toEqual([store[0]]);
    expect(index.stale).toBe(1);
  });
});
