import { openDB } from 'idb';
import { deleteIdbStorage, openIdbStorage, type IdbStorage, type IdbStorageEvent } from '../../src/adapters/idb';
import type { LatticeDB } from '../../src/adapters/idb/schema';
import type { SegmentV1 } from '../../src/adapters/idb/segment-v1';
import type { EntityId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { versionKey } from '../../src/ports/storage';
import { encodeSegments } from '../../src/adapters/idb/segment';
import { sampleEntityMeta, sampleHeld, sampleVersion, type ContractTestApi } from './storage-contract';

/** Compaction only when a test asks for it. */
const MANUAL = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;

/** sampleVersion(i) stamped `later` ms after it: another version of the same component. */
function variant(i: number, later: number): Version {
  const v = sampleVersion(i);
  return { ...v, ts: { ...v.ts, ms: v.ts.ms + later } };
}

/** The i of a version made by variant(i, later). */
function versionIndex(v: Version): number {
  const i = [...Array(80).keys()].find((j) => sampleVersion(j).entity === v.entity && sampleVersion(j).kind === v.kind);
  if (i === undefined) throw new Error(`not a sample version: ${versionKey(v)}`);
  return i;
}

/** One string per version, sorted: compares stored sets cheaply and shows what differs. */
function fingerprints(versions: Iterable<Version>): string[] {
  return [...versions]
    .map((v) => JSON.stringify([versionKey(v), v.value, v.seen, v.sig === undefined ? null : Array.from(v.sig)]))
    .sort();
}

/** Seeded, so a failing random run can be replayed from its seed. */
const prng = mulberry32;

/** The version-1 record of a commit, as the adapter wrote it before schema version 2. */
function segmentV1(put: readonly Version[], remove: readonly string[]): SegmentV1 {
  const sigs = put.map((v) => v.sig ?? new Uint8Array(0));
  const g = new Uint8Array(sigs.reduce((n, s) => n + s.byteLength, 0));
  let at = 0;
  for (const sig of sigs) {
    g.set(sig, at);
    at += sig.byteLength;
  }
  return {
    key: put.map(versionKey),
    e: put.map((v) => v.entity),
    k: put.map((v) => v.kind),
    ms: Float64Array.from(put, (v) => v.ts.ms),
    c: Uint32Array.from(put, (v) => v.ts.c),
    n: put.map((v) => v.ts.node),
    v: JSON.stringify(put.map((v) => v.value)),
    s: JSON.stringify(put.map((v) => (v.seen.length === 0 ? 0 : v.seen.flatMap((t) => [t.ms, t.c, t.node])))),
    g,
    gl: Int32Array.from(put, (v) => (v.sig === undefined ? -1 : v.sig.byteLength)),
    rm: [...remove],
  };
}

/** Behaviour of the IndexedDB adapter beyond the port contract: log compaction and connection loss. */
export function runIdbStorageExtras(nextName: () => string, t: ContractTestApi): void {
  const { describe, it, expect } = t;

  async function segmentCount(name: string): Promise<number> {
    const db = await openDB<LatticeDB>(name);
    try {
      return await db.count('log');
    } finally {
      db.close();
    }
  }

  async function urgentCount(name: string): Promise<number> {
    const db = await openDB<LatticeDB>(name);
    try {
      return await db.count('urgent');
    } finally {
      db.close();
    }
  }

  describe('IdbStorage log and connection', () => {
    it('compacts a churning log on its own and loads the same versions after', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: { minEntries: 16, maxSegments: 8 } });
      try {
        // One track moving: each commit puts its new position and removes the one before.
        let previous: string | undefined;
        for (let i = 0; i < 200; i++) {
          const v = { ...sampleVersion(0), ts: { ...sampleVersion(0).ts, ms: 1_700_000_000_000 + i } };
          await storage.commit({ put: [v], remove: previous === undefined ? [] : [previous] });
          previous = versionKey(v);
        }
        const live = await storage.loadVersions();
        expect(live.length).toBe(1);
        expect(versionKey(live[0]!)).toBe(previous);
        await storage.close(); // waits for a compaction in progress
        expect((await segmentCount(name)) <= 8).toBe(true);
        const again = await openIdbStorage(name);
        expect((await again.loadVersions()).map(versionKey)).toEqual([previous]);
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('compact() rewrites the log as its live versions only', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name);
      try {
        const versions = Array.from({ length: 300 }, (_, i) => sampleVersion(i));
        for (let i = 0; i < 300; i += 30) await storage.commit({ put: versions.slice(i, i + 30), remove: [] });
        await storage.commit({ put: [], remove: versions.slice(0, 150).map(versionKey) });
        const before = (await storage.loadVersions()).map(versionKey).sort();
        await storage.compact();
        await storage.close();
        expect(await segmentCount(name)).toBe(1);
        const again = await openIdbStorage(name);
        expect((await again.loadVersions()).map(versionKey).sort()).toEqual(before);
        expect(before.length).toBe(150);
        await again.close();
      } finally {
        await deleteIdbStorage(name);
      }
    });

    it('tells apart keys that differ in one part only, through removals and compaction', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const base = sampleVersion(4);
        const near: Version[] = [
          base,
          { ...base, ts: { ...base.ts, c: base.ts.c + 1 } },
          { ...base, ts: { ...base.ts, ms: base.ts.ms + 1 } },
          { ...base, ts: { ...base.ts, node: 'nodeA2' as Version['ts']['node'] } },
          { ...base, kind: 'threat' as Version['kind'] },
          { ...base, entity: 'track-10' as EntityId },
          { ...base, entity: 'track-1' as EntityId, kind: '0position' as Version['kind'] }, // same text run
        ];
        await storage.commit({ put: near, remove: [] });
        const model = new Map(near.map((v) => [versionKey(v), v] as const));
        for (let drop = 0; drop < near.length; drop += 2) {
          await storage.commit({ put: [], remove: [versionKey(near[drop]!)] });
          model.delete(versionKey(near[drop]!));
          expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
        }
        await storage.compact();
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('leaves an insert-only log alone: only garbage triggers compaction', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: { minEntries: 1, maxSegments: 1000 } });
      try {
        await storage.loadVersions();
        for (let i = 0; i < 40; i += 2)
          await storage.commit({ put: [sampleVersion(i), sampleVersion(i + 1)], remove: [] });
        expect((await storage.loadVersions()).length).toBe(40);
        await storage.close();
        expect(await segmentCount(name)).toBe(20);
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('replays commits that land while a compaction runs after its rewrite', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const model = new Map<string, Version>();
        const put = async (p: Version[], remove: string[]) => {
          await storage.commit({ put: p, remove });
          for (const v of p) model.set(versionKey(v), v);
          for (const key of remove) model.delete(key);
        };
        const base = Array.from({ length: 300 }, (_, i) => sampleVersion(i));
        for (let i = 0; i < 300; i += 30) await put(base.slice(i, i + 30), []);
        await put([], base.slice(0, 100).map(versionKey));
        // The compaction reads the log as it is now; these commits land during it and must win.
        const compaction = storage.compact();
        const during = [
          put([variant(150, 1)], [versionKey(base[150]!)]),
          put([], base.slice(200, 220).map(versionKey)),
          put(base.slice(0, 10), []), // put back after their removal
          put([variant(260, 5), variant(261, 5)], []),
        ];
        await Promise.all([compaction, ...during]);
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
        await storage.close();
        const again = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(model.values()));
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('keeps the log intact when two connections compact it at once', async () => {
      const name = nextName();
      const a = await openIdbStorage(name, { compaction: MANUAL });
      const b = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const model = new Map<string, Version>();
        const commit = async (s: IdbStorage, put: Version[], remove: string[]) => {
          await s.commit({ put, remove });
          for (const v of put) model.set(versionKey(v), v);
          for (const key of remove) model.delete(key);
        };
        for (let round = 0; round < 4; round++) {
          // Connection a churns components 0-39, connection b components 40-79: their commits commute.
          for (let i = 0; i < 40; i += 8) {
            const put = Array.from({ length: 8 }, (_, j) => variant(i + j, round));
            await commit(a, put, round === 0 ? [] : put.map((v) => versionKey(variant(versionIndex(v), round - 1))));
          }
          const racing = [a.compact(), b.compact()];
          for (let i = 40; i < 80; i += 8) {
            const put = Array.from({ length: 8 }, (_, j) => variant(i + j, round));
            racing.push(
              commit(b, put, round === 0 ? [] : put.map((v) => versionKey(variant(versionIndex(v), round - 1)))),
            );
          }
          await Promise.all(racing);
          expect(fingerprints(await a.loadVersions())).toEqual(fingerprints(model.values()));
          expect(fingerprints(await b.loadVersions())).toEqual(fingerprints(model.values()));
        }
      } finally {
        await a.close();
        await b.close();
        await deleteIdbStorage(name);
      }
    });

    it('compacts values holding JSON punctuation, escapes and signatures intact', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const tricky = ['a,b', '"]},[{', '\\', '\\"', '\u2028\n\t', '«☃»', '', '[1,2]'];
        const versions = Array.from({ length: 64 }, (_, i) => ({
          ...sampleVersion(i),
          value: { text: tricky[i % tricky.length]!, list: [tricky[(i + 1) % tricky.length]!, { x: [i, -0.5] }], n: i },
        }));
        await storage.commit({ put: versions, remove: [] });
        // Every third removed: the segment is cut value by value.
        const removed = versions.filter((_, i) => i % 3 === 0).map(versionKey);
        await storage.commit({ put: [], remove: removed });
        await storage.compact();
        const kept = versions.filter((_, i) => i % 3 !== 0);
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(kept));
        await storage.close();
        expect(await segmentCount(name)).toBe(1);
        const again = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(kept));
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('merges a tail of small commits, keeping the removals it cannot settle', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: { minEntries: 1e15, maxSegments: 4 } });
      try {
        await storage.loadVersions();
        const base = Array.from({ length: 100 }, (_, i) => sampleVersion(i));
        await storage.commit({ put: base, remove: [] });
        const model = new Map(base.map((v) => [versionKey(v), v] as const));
        // Each commit supersedes a version of the first commit, which a tail merge never reads.
        for (let i = 0; i < 30; i++) {
          const next = variant(i, 1000);
          await storage.commit({ put: [next], remove: [versionKey(base[i]!)] });
          model.delete(versionKey(base[i]!));
          model.set(versionKey(next), next);
        }
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
        await storage.close();
        expect((await segmentCount(name)) < 12).toBe(true);
        const again = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(model.values()));
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('matches a model through random commits, removals, re-puts, reopens and compactions', async () => {
      const seed = 0x5eed + 7;
      const rand = prng(seed);
      const name = nextName();
      const policy = { compaction: { growth: 0.5, minEntries: 6, maxSegments: 3 } };
      let storage: IdbStorage = await openIdbStorage(name, policy);
      try {
        // Few components with several versions each, so puts collide, supersede and come back.
        const pool = Array.from({ length: 48 }, (_, i) => variant(i % 16, Math.floor(i / 16) * 10));
        const model = new Map<string, Version>();
        const pending: Promise<void>[] = [];
        for (let step = 0; step < 80; step++) {
          const put = Array.from({ length: Math.floor(rand() * 5) }, () => pool[Math.floor(rand() * pool.length)]!);
          const putKeys = new Set(put.map(versionKey));
          const remove = Array.from({ length: Math.floor(rand() * 4) }, () =>
            versionKey(pool[Math.floor(rand() * pool.length)]!),
          ).filter((key) => !putKeys.has(key));
          // Commits issued together land in call order; the model follows the same order.
          pending.push(storage.commit({ put, remove }));
          for (const v of put) model.set(versionKey(v), v);
          for (const key of remove) model.delete(key);
          const roll = rand();
          if (roll < 0.5) continue;
          await Promise.all(pending.splice(0));
          if (roll < 0.7) {
            expect([seed, step, fingerprints(await storage.loadVersions())]).toEqual([
              seed,
              step,
              fingerprints(model.values()),
            ]);
          } else if (roll < 0.85) {
            await storage.compact();
          } else {
            await storage.close();
            storage = await openIdbStorage(name, policy);
            expect([seed, step, fingerprints(await storage.loadVersions())]).toEqual([
              seed,
              step,
              fingerprints(model.values()),
            ]);
          }
        }
        await Promise.all(pending);
        await storage.close();
        storage = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('refuses an id holding a line feed, and stores nothing of that commit', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name);
      try {
        const bad = { ...sampleVersion(1), entity: 'track\n1' as EntityId };
        const error = await storage.commit({ put: [sampleVersion(0), bad], remove: [] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TypeError);
        expect(await storage.loadVersions()).toEqual([]);
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('converts a schema version 1 database on open', async () => {
      const name = nextName();
      const versions = Array.from({ length: 40 }, (_, i) => sampleVersion(i));
      const v1 = await openDB(name, 1, {
        upgrade(db) {
          db.createObjectStore('segments', { autoIncrement: true });
          db.createObjectStore('meta');
        },
      });
      await v1.add('segments', segmentV1(versions.slice(0, 30), []));
      await v1.add('segments', segmentV1(versions.slice(30), versions.slice(0, 5).map(versionKey)));
      await v1.put('meta', 'abc', 'clock');
      v1.close();
      const storage = await openIdbStorage(name);
      try {
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(versions.slice(5)));
        expect(await storage.getMeta('clock')).toBe('abc');
        await storage.commit({ put: [], remove: [versionKey(versions[5]!)] });
        expect((await storage.loadVersions()).length).toBe(34);
        await storage.close();
        const db = await openDB(name);
        const shape = [db.version, [...db.objectStoreNames].sort()];
        db.close();
        expect(shape).toEqual([6, ['entities', 'held', 'log', 'meta', 'state', 'urgent']]);
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('opens a schema version 2 database as it was, and stores entity metas in it from then on', async () => {
      const name = nextName();
      const versions = Array.from({ length: 40 }, (_, i) => sampleVersion(i));
      // The database as schema version 2 wrote it: the log, the metadata and the adapter's state.
      const v2 = await openDB(name, 2, {
        upgrade(db) {
          db.createObjectStore('meta');
          db.createObjectStore('log', { autoIncrement: true });
          db.createObjectStore('state');
        },
      });
      for (const seg of encodeSegments(versions.slice(0, 30), [])) await v2.add('log', seg);
      for (const seg of encodeSegments(versions.slice(30), versions.slice(0, 5).map(versionKey))) {
        await v2.add('log', seg);
      }
      await v2.put('meta', 'abc', 'clock');
      v2.close();
      const storage = await openIdbStorage(name);
      try {
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(versions.slice(5)));
        expect(await storage.getMeta('clock')).toBe('abc');
        expect(await storage.loadEntityMeta()).toEqual([]);
        const meta = sampleEntityMeta(2);
        await storage.commit({ put: [], remove: [versionKey(versions[5]!)], entityMeta: [meta] });
        await storage.close();
        const again = await openIdbStorage(name);
        expect((await again.loadVersions()).length).toBe(34);
        expect(await again.loadEntityMeta()).toEqual([meta]);
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('opens a schema version 3 database as it was, and keeps held writes in it from then on', async () => {
      const name = nextName();
      const versions = Array.from({ length: 20 }, (_, i) => sampleVersion(i));
      const meta = sampleEntityMeta(4);
      // The database as schema version 3 wrote it: version 2's stores and the entity metas.
      const v3 = await openDB(name, 3, {
        upgrade(db) {
          db.createObjectStore('meta');
          db.createObjectStore('log', { autoIncrement: true });
          db.createObjectStore('state');
          db.createObjectStore('entities');
        },
      });
      for (const seg of encodeSegments(versions, [])) await v3.add('log', seg);
      await v3.put('entities', meta, meta.id);
      await v3.put('meta', 'abc', 'clock');
      v3.close();
      const storage = await openIdbStorage(name);
      try {
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(versions));
        expect(await storage.loadEntityMeta()).toEqual([meta]);
        expect(await storage.getMeta('clock')).toBe('abc');
        expect(await storage.loadHeld()).toEqual([]);
        const held = sampleHeld(3);
        await storage.commit({ put: [], remove: [], hold: [held] });
        await storage.close();
        const again = await openIdbStorage(name);
        expect(await again.loadHeld()).toEqual([held]);
        expect((await again.loadVersions()).length).toBe(20);
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('opens a schema version 4 database as it was, and takes priority commits in it from then on', async () => {
      const name = nextName();
      const versions = Array.from({ length: 20 }, (_, i) => sampleVersion(i));
      const meta = sampleEntityMeta(4);
      const held = sampleHeld(1);
      // The database as schema version 4 wrote it: version 3's stores and the held writes.
      const v4 = await openDB(name, 4, {
        upgrade(db) {
          db.createObjectStore('meta');
          db.createObjectStore('log', { autoIncrement: true });
          db.createObjectStore('state');
          db.createObjectStore('entities');
          db.createObjectStore('held');
        },
      });
      for (const seg of encodeSegments(versions, [versionKey(versions[0]!)])) await v4.add('log', seg);
      await v4.put('entities', meta, meta.id);
      await v4.put('held', held, held.key);
      await v4.put('meta', 'abc', 'clock');
      await v4.put('state', 3, 'compactions');
      v4.close();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const kept = versions.slice(1);
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(kept));
        expect(await storage.loadEntityMeta()).toEqual([meta]);
        expect(await storage.loadHeld()).toEqual([held]);
        expect(await storage.getMeta('clock')).toBe('abc');
        await storage.commit({ put: [], remove: [versionKey(versions[1]!)], meta: { clock: 'p' }, priority: true });
        await storage.close();
        const again = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(versions.slice(2)));
        expect(await again.getMeta('clock')).toBe('p');
        await again.close();
        const db = await openDB(name);
        const shape = [db.version, [...db.objectStoreNames].sort()];
        db.close();
        expect(shape).toEqual([6, ['entities', 'held', 'log', 'meta', 'state', 'urgent']]);
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('folds priority commits into the log, deletes them once folded, and compacts across them', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const versions = Array.from({ length: 30 }, (_, i) => sampleVersion(i));
        const model = new Map(versions.map((v) => [versionKey(v), v]));
        await storage.commit({ put: versions, remove: [] });
        // Priority: replaces the content of 4 and removes 5 (a purge); bulk after it: puts 5 back
        // and removes 6; a priority commit then removes what the bulk put back.
        const four = { ...versions[4]!, value: { replaced: 1 } };
        await storage.commit({ put: [four], remove: [versionKey(versions[5]!)], priority: true });
        model.set(versionKey(four), four);
        model.delete(versionKey(versions[5]!));
        await storage.commit({ put: [versions[5]!], remove: [versionKey(versions[6]!)] });
        model.set(versionKey(versions[5]!), versions[5]!);
        model.delete(versionKey(versions[6]!));
        await storage.commit({ put: [], remove: [versionKey(versions[5]!)], priority: true });
        model.delete(versionKey(versions[5]!));
        // The first priority record was folded by the bulk commit, and deleted by the second.
        expect(await urgentCount(name)).toBe(1);
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
        await storage.compact();
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(model.values()));
        await storage.commit({ put: [versions[6]!], remove: [] });
        model.set(versionKey(versions[6]!), versions[6]!);
        await storage.compact();
        await storage.close();
        const again = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(model.values()));
        await again.close();
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('takes over the priority commits a closed session left unfolded, ahead of what comes after', async () => {
      const name = nextName();
      const versions = Array.from({ length: 6 }, (_, i) => sampleVersion(i));
      const first = await openIdbStorage(name, { compaction: MANUAL });
      await first.commit({ put: versions, remove: [] });
      const entity = sampleEntityMeta(1);
      await first.commit({
        put: [],
        remove: [versionKey(versions[0]!)],
        meta: { clock: 'p' },
        entityMeta: [entity],
        hold: [sampleHeld(0)],
        priority: true,
      });
      await first.close();
      const second = await openIdbStorage(name, { compaction: MANUAL });
      try {
        expect(fingerprints(await second.loadVersions())).toEqual(fingerprints(versions.slice(1)));
        expect(await second.loadEntityMeta()).toEqual([entity]);
        expect(await second.loadHeld()).toEqual([sampleHeld(0)]);
        // Written after the priority commit: wins over it, also once compacted and reopened.
        await second.commit({
          put: [versions[0]!],
          remove: [],
          meta: { clock: 'b' },
          entityMeta: [sampleEntityMeta(1, 9)],
          unhold: [sampleHeld(0).key],
        });
        await second.compact();
        await second.close();
        const third = await openIdbStorage(name, { compaction: MANUAL });
        expect(fingerprints(await third.loadVersions())).toEqual(fingerprints(versions));
        expect(await third.getMeta('clock')).toBe('b');
        expect(await third.loadEntityMeta()).toEqual([sampleEntityMeta(1, 9)]);
        expect(await third.loadHeld()).toEqual([]);
        await third.close();
      } finally {
        await second.close();
        await deleteIdbStorage(name);
      }
    });

    it('leaves out records it cannot read, counting them, instead of failing the load', async () => {
      const name = nextName();
      const storage = await openIdbStorage(name, { compaction: MANUAL });
      try {
        const versions = Array.from({ length: 20 }, (_, i) => sampleVersion(i));
        await storage.commit({ put: versions.slice(0, 10), remove: [] });
        const db = await openDB<LatticeDB>(name);
        const [broken] = encodeSegments(versions.slice(10, 15), []);
        await db.add('log', { ...broken!, v: '[{"not json' });
        await db.add('log', { junk: true } as never);
        db.close();
        await storage.commit({ put: versions.slice(15), remove: [] });
        const loaded = await storage.loadVersions();
        expect(fingerprints(loaded)).toEqual(fingerprints([...versions.slice(0, 10), ...versions.slice(15)]));
        expect(storage.setAside).toBe(2);
      } finally {
        await storage.close();
        await deleteIdbStorage(name);
      }
    });

    it('closes for another connection that deletes the database, and then rejects clearly', async () => {
      const name = nextName();
      const events: IdbStorageEvent[] = [];
      const storage = await openIdbStorage(name, { onEvent: (e) => events.push(e) });
      await storage.commit({ put: [sampleVersion(0)], remove: [] });
      await deleteIdbStorage(name); // not blocked: our connection closes when asked
      expect(events.map((e) => e.type)).toEqual(['closed']);
      const error = await storage.loadVersions().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/another tab or connection/);
      await storage.close();
    });
  });
}
