import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { canonicalContent } from '../../../../src/core/merge/version-content';
import { measureStorages, UNSESSIONED_FINGERPRINT_KEY } from '../../../../src/core/reconcile';
import { idKey, SyncIndex, versionId } from '../../../../src/core/sync';
import { MAX_CLAIMS, MAX_HELD_BACK, MAX_REFUSED, numbering } from '../../../../src/core/sync/sync-index';
import { prepareVersionIds } from '../../../../src/core/sync/version-id';

const v = (entity: string, ms: number, node = 'a', kind = 'position'): Version => ({
  entity: entity as EntityId,
  kind: kind as ComponentKind,
  value: { lat: 1, lon: 2 },
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

describe('versionId', () => {
  it('is the first 16 bytes of SHA-256 of its layout (Node’s own SHA-256 as the reference)', () => {
    const x = v('e1', 1000);
    const layout = Buffer.concat([
      Buffer.from('e1\0position\0'),
      Buffer.from([0, 0, 0, 0, 0x03, 0xe8, 0, 0]),
      Buffer.from('a\0'),
      Buffer.from(canonicalContent(x)),
    ]);
    const sha = createHash('sha256').update(layout).digest().subarray(0, 16);
    expect(Buffer.from(versionId(x)).toString('hex')).toBe(sha.toString('hex'));
  });

  it('depends on entity, kind, the whole timestamp, the value and the context, not on key order', () => {
    const base = v('e1', 1000);
    const key = (x: Version): string => idKey(versionId(x));
    const value = base.value as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(value).reverse());
    expect(key({ ...base, value: reordered as never })).toBe(key(base));
    const seen = [
      { ms: 10, c: 0, node: 'x' as NodeId },
      { ms: 5, c: 0, node: 'y' as NodeId },
    ];
    expect(key({ ...base, seen })).toBe(key({ ...base, seen: [...seen].reverse() }));
    const variants = [
      { ...base, value: { ...value, lat: 9 } as never },
      { ...base, seen },
      { ...base, seen: seen.slice(1) },
      v('e2', 1000),
      v('e1', 1001),
      v('e1', 1000, 'b'),
      v('e1', 1000, 'a', 'velocity'),
      { ...base, ts: { ...base.ts, c: 1 } },
      v('e1', 1000 + 2 ** 32),
    ];
    const keys = new Set([key(base), ...variants.map(key)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('has no collisions over 100k keys', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100_000; i++) keys.add(idKey(versionId(v(`track-${i % 1000}`, 1_700_000_000_000 + i))));
    expect(keys.size).toBe(100_000);
  });
});

describe('SyncIndex', () => {
  it('follows adds and removes, and snapshots do not change under later updates', () => {
    const index = new SyncIndex([v('e1', 1), v('e2', 2)]);
    const snap = index.storage();
    expect(snap.size).toBe(2);
    expect(index.storage()).toBe(snap); // clean: the same snapshot
    index.add([v('e3', 3)]);
    index.remove([v('e1', 1)]);
    expect(snap.size).toBe(2);
    const next = index.storage();
    expect(next).not.toBe(snap);
    expect(next.size).toBe(2);
    expect(index.size).toBe(2);
    expect(index.newest).toBe(3);
    expect(index.lookup([versionId(v('e3', 3)), versionId(v('e1', 1))]).map((x) => x.entity)).toEqual(['e3']);
  });

  it('holds a version added pending but neither reconciles nor serves it until it is durable', () => {
    const index = new SyncIndex([v('e1', 1)]);
    const snap = index.storage();
    const [x, y] = [v('e2', 2), v('e3', 3)];
    index.add([x, y], true);
    // Held: not asked for again, and a relay's filter finds it.
    expect(index.has(versionId(x))).toBe(true);
    expect(index.holds(x)).toBe(true);
    expect(index.claim([versionId(x)], 0, 10)).toEqual([]);
    // Not reconciled, not served, not counted, not stale.
    expect(index.storage()).toBe(snap);
    expect(index.size).toBe(1);
    expect(index.lookup([versionId(x), versionId(y)])).toEqual([]);
    expect(index.stale).toBe(0);
    // y is superseded before its commit lands: it never enters a snapshot.
    index.remove([y]);
    index.durable([x, y]);
    const next = index.storage();
    expect(next.toArray().map((i) => i.ts)).toEqual([1, 2]);
    expect(index.size).toBe(2);
    expect(index.newest).toBe(2);
    expect(index.lookup([versionId(x), versionId(y)]).map((z) => z.entity)).toEqual(['e2']);
    // Said again: nothing changes.
    index.durable([x]);
    expect(index.storage()).toBe(next);
  });

  it('takes the ids a link computed for the versions it received instead of hashing them again', () => {
    const index = new SyncIndex();
    const [a, b] = [v('e1', 1), v('e2', 2)];
    // A stand-in id, so the test sees whose id was indexed: the link's, not a second hash.
    const given = new Uint8Array(16).fill(7);
    index.identified([a], [given]);
    index.add([a, b]);
    expect(index.has(given)).toBe(true);
    expect(index.has(versionId(a))).toBe(false);
    expect(index.has(versionId(b))).toBe(true);
    expect(index.holds(a)).toBe(true);
    // Taken once: the same object stored again (after a removal) is hashed as usual.
    index.remove([a]);
    index.add([a]);
    expect(index.has(versionId(a))).toBe(true);
  });

  it('takes the ids computed ahead for a local write (prepareVersionIds) instead of hashing again, on add and on remove', () => {
    const index = new SyncIndex();
    const a = v('e1', 1);
    prepareVersionIds([a]);
    const id = versionId(a);
    // The value changed after the id was computed ahead (which no stamped version does): the index
    // shows whose id it took, the one computed ahead.
    (a as { value: unknown }).value = { lat: 3, lon: 4 };
    index.add([a]);
    expect(index.has(id)).toBe(true);
    expect(index.has(versionId(a))).toBe(false);
    // A removal by another object, equal to what was indexed, whose id was computed ahead.
    const copy = v('e1', 1);
    prepareVersionIds([copy]);
    (copy as { value: unknown }).value = { lat: 5, lon: 6 };
    index.remove([copy]);
    expect(index.has(id)).toBe(false);
    expect(index.size).toBe(0);
  });

  it('an add then remove before a snapshot leaves nothing behind', () => {
    const index = new SyncIndex([v('e1', 1)]);
    index.storage();
    index.add([v('e2', 2)]);
    index.remove([v('e2', 2)]);
    index.remove([v('e1', 1)]);
    index.add([v('e1', 1)]);
    expect(
      index
        .storage()
        .toArray()
        .map((i) => i.ts),
    ).toEqual([1]);
  });

  it('holds: the versions indexed, by the object add() saw or by an equal copy, and not once removed', () => {
    const a = v('e1', 1);
    const index = new SyncIndex([a]);
    expect(index.holds(a)).toBe(true);
    expect(index.holds(v('e1', 1))).toBe(true); // an equal copy: hashed, same id
    // Same key, other content (a rewritten or equivocated copy): another id, not held.
    expect(index.holds({ ...a, value: { lat: 9, lon: 9 } })).toBe(false);
    expect(index.holds(v('e2', 2))).toBe(false);
    index.remove([a]);
    expect(index.holds(a)).toBe(false);
    expect(index.size).toBe(0);
    index.add([a]);
    expect(index.holds(a)).toBe(true);
    index.remove([v('e1', 1)]); // removed by an equal copy
    expect(index.holds(a)).toBe(false);
    expect(index.storage().size).toBe(0);
  });

  it('rebuilt snapshots reconcile like a fresh index of the same versions', () => {
    const all = Array.from({ length: 2000 }, (_, i) => v(`e${i}`, 1000 + i));
    const incremental = new SyncIndex(all.slice(0, 1000));
    incremental.storage();
    incremental.add(all.slice(1000));
    incremental.remove(all.slice(0, 10));
    const fresh = new SyncIndex(all.slice(10));
    const m = measureStorages(incremental.storage(), fresh.storage(), { key: UNSESSIONED_FINGERPRINT_KEY });
    expect(m.have).toHaveLength(0);
    expect(m.need).toHaveLength(0);
    expect(m.rounds).toBe(1);
  });

  it('with a finder, keeps no version: a want is answered with what the store holds now, never a copy', () => {
    // The store: what the finder reads (heads and evidence of a register).
    const store = new Map<string, Version[]>();
    const put = (x: Version): void =>
      void store.set(`${x.entity}/${x.kind}`, [...(store.get(`${x.entity}/${x.kind}`) ?? []), x]);
    const index = new SyncIndex(
      [],
      numbering((entity, kind) => store.get(`${entity}/${kind}`) ?? []),
    );
    const a = v('e1', 1);
    const b = v('e2', 2);
    index.add([a, b]);
    // The store keeps its own objects (the columns make a head's Version on demand): those are served.
    const aStored = { ...a, value: { lat: 1, lon: 2 } };
    put(aStored);
    put(b);
    // A twin under b's timestamp (another content) is not b: the id tells them apart.
    put({ ...b, value: { lat: 7, lon: 7 } });
    const [got] = index.lookup([versionId(a)]);
    expect(got).toBe(aStored);
    expect(index.lookup([versionId(b)])).toEqual([b]);
    // Gone from the store (replaced) without the index being told yet: nothing stale is served.
    store.delete('e1/position');
    expect(index.lookup([versionId(a), versionId(b)])).toEqual([b]);
  });

  it('snapshots rebuilt over many adds and removes hold exactly the indexed ids, in order', () => {
    const index = new SyncIndex();
    const live = new Map<string, Version>();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) {
        const x = v(`e${rand(300)}`, 1 + rand(40), `n${rand(3)}`);
        const key = idKey(versionId(x));
        if (live.has(key) && rand(2) === 0) {
          index.remove([x]);
          live.delete(key);
        } else if (!live.has(key)) {
          index.add([x]);
          live.set(key, x);
        }
      }
      if (rand(3) === 0) continue; // several rounds of changes between two snapshots
      const items = index.storage().toArray();
      const fresh = new SyncIndex([...live.values()]).storage().toArray();
      expect(items).toEqual(fresh);
      expect(items).toHaveLength(live.size);
    }
  });

  it('claims: one asker per id until it arrives or the claim expires; unapplied ids stay suppressed', () => {
    const index = new SyncIndex();
    const a = versionId(v('e1', 1));
    const b = versionId(v('e2', 2));
    expect(index.claim([a, b], 0, 100)).toHaveLength(2);
    expect(index.claim([a, b], 50, 150)).toHaveLength(0);
    index.release([b]);
    expect(index.claim([a, b], 60, 160)).toEqual([b]);
    index.add([v('e1', 1)]);
    expect(index.claim([a], 70, 170)).toHaveLength(0); // held: nothing to ask
    index.suppress([b], 10_000);
    expect(index.claim([b], 200, 300)).toHaveLength(0);
    expect(index.claim([b], 10_000, 10_100)).toEqual([b]);
    index.expire(20_000);
    expect(index.claimCount).toBe(0);
  });

  it('holds back a suppressed id until its time (not a claim for a request in flight), and forgets it once held', () => {
    const index = new SyncIndex();
    const a = versionId(v('e1', 1));
    const b = versionId(v('e2', 2));
    index.claim([a], 0, 100);
    expect(index.isHeldBack(a, 0)).toBe(false);
    index.suppress([b], 10_000);
    expect(index.isHeldBack(b, 9_999)).toBe(true);
    expect(index.isHeldBack(b, 10_000)).toBe(false);
    index.suppress([a], 10_000);
    index.add([v('e1', 1)]);
    expect(index.isHeldBack(a, 0)).toBe(false);
  });

  it('never claims a refused id again, and remembers a bounded number of them', () => {
    const index = new SyncIndex();
    const ids = Array.from({ length: MAX_REFUSED + 10 }, (_, i) => versionId(v(`e${i}`, i + 1)));
    index.refuse([ids[0]!]);
    expect(index.claim([ids[0]!, ids[1]!], 0, 100)).toEqual([ids[1]!]);
    expect(index.claim([ids[0]!], 1_000_000, 1_000_100)).toHaveLength(0);
    expect(index.refusedEvicted).toBe(0);
    index.refuse(ids);
    expect(index.refusedCount).toBe(MAX_REFUSED);
    // Each one forgotten at the bound is counted (securityStats().limitsHit.refusedIds).
    expect(index.refusedEvicted).toBe(10);
    // The oldest are forgotten first: fetched, refused and remembered again if they come back.
    expect(index.claim(ids.slice(0, 12), 0, 100)).toEqual(ids.slice(0, 10));
  });

  it('remembers at most MAX_HELD_BACK set-aside ids, and counts each one forgotten at the bound', () => {
    const index = new SyncIndex();
    const ids = Array.from({ length: MAX_HELD_BACK + 3 }, (_, i) => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setUint32(0, i);
      return b;
    });
    index.suppress(ids, 10_000);
    expect(index.heldBackEvicted).toBe(3);
    expect(index.isHeldBack(ids[0]!, 0)).toBe(false); // the oldest went first
    expect(index.isHeldBack(ids[3]!, 0)).toBe(true);
  });

  it('holds at most MAX_CLAIMS claims whatever peers make it claim or set aside: expired ones swept first, then the oldest', () => {
    const index = new SyncIndex();
    const id = (i: number): Uint8Array => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setUint32(0, i);
      return b;
    };
    // A flood of made-up ids (an ihave flood over many links), claimed for a long time.
    const flood = Array.from({ length: MAX_CLAIMS + 5_000 }, (_, i) => id(i));
    expect(index.claim(flood, 0, 1_000_000)).toHaveLength(flood.length);
    expect(index.claimCount).toBe(MAX_CLAIMS);
    expect(index.claimsEvicted).toBe(5_000);
    index.suppress([id(10_000_000), id(10_000_001)], 2_000_000);
    expect(index.claimCount).toBe(MAX_CLAIMS);
    // An honest id is still claimed, and the newest claims are the ones kept.
    const honest = id(20_000_000);
    expect(index.claim([honest], 10, 100)).toEqual([honest]);
    expect(index.claim([honest, flood.at(-1)!], 20, 100)).toEqual([]);
    // Once the flood's claims run out, a new claim sweeps them instead of forgetting live ones.
    const before = index.claimsEvicted;
    const more = Array.from({ length: 10 }, (_, i) => id(30_000_000 + i));
    expect(index.claim(more, 1_500_000, 1_600_000)).toHaveLength(10);
    expect(index.claimsEvicted).toBe(before);
    expect(index.claimCount).toBeLessThan(100);
  });
});
