import { openDB } from 'idb';
import { deleteIdbStorage, openIdbStorage, type IdbStorageEvent } from '../../src/adapters/idb';
import type { LatticeDB } from '../../src/adapters/idb/schema';
import { versionKey } from '../../src/ports/storage';
import { sampleVersion, type ContractTestApi } from './storage-contract';

/** Behaviour of the IndexedDB adapter beyond the port contract: log compaction and connection loss. */
export function runIdbStorageExtras(nextName: () => string, t: ContractTestApi): void {
  const { describe, it, expect } = t;

  async function segmentCount(name: string): Promise<number> {
    const db = await openDB<LatticeDB>(name);
    try {
      return await db.count('segments');
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
