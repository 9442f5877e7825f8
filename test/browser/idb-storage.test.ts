import { deleteIdbStorage, openIdbStorage, type IdbStorage } from '../../src/adapters/idb';
import { runIdbStorageExtras } from '../contract/idb-storage-extras';
import type { Version } from '../../src/core/merge/version';
import { versionKey } from '../../src/ports/storage';
import { runStorageContract, sampleVersion, type ContractTestApi } from '../contract/storage-contract';
import { expect } from './mini-expect';

// Mocha's globals in @web/test-runner (no @types/mocha in this project).
declare const describe: ContractTestApi['describe'];
declare const it: ContractTestApi['it'];

let counter = 0;
const nextName = () => `wtr-idb-${Date.now()}-${++counter}`;

runStorageContract(
  'IdbStorage (Chromium IndexedDB)',
  async () => {
    const name = nextName();
    const opened: IdbStorage[] = [];
    const open = async () => {
      const storage = await openIdbStorage(name);
      opened.push(storage);
      return storage;
    };
    return {
      storage: await open(),
      reopen: open,
      teardown: async () => {
        for (const storage of opened) await storage.close();
        await deleteIdbStorage(name);
      },
    };
  },
  { describe, it, expect },
);

runIdbStorageExtras(nextName, { describe, it, expect });

/**
 * Holds a readwrite transaction over `store` of database `name` from a second connection, alive
 * (one request after another) until released, so any transaction of the storage whose scope
 * includes `store` queues behind it. Resolves once the hold is active.
 */
async function holdStore(name: string, store: string): Promise<() => Promise<void>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  let holding = true;
  const tx = db.transaction(store, 'readwrite');
  const os = tx.objectStore(store);
  const ended = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  await new Promise<void>((resolve) => {
    const spin = () => {
      const r = os.count();
      r.onsuccess = () => {
        resolve();
        if (holding) spin();
      };
    };
    spin();
  });
  return async () => {
    holding = false;
    await ended;
    db.close();
  };
}

describe('IdbStorage priority lane (Chromium IndexedDB)', () => {
  it('makes a priority commit durable while a long bulk commit is in flight, and applies it after that one', async () => {
    const name = nextName();
    const storage = await openIdbStorage(name);
    let release: (() => Promise<void>) | undefined;
    try {
      const versions = Array.from({ length: 20_000 }, (_, i) => sampleVersion(i));
      const decided: Version = { ...versions[1]!, value: { decided: true } };
      const settled: string[] = [];
      // Another connection holds the log, so the bulk commit cannot finish before the priority
      // one whatever the machine's speed: the order below is decided by the lanes, not by timing.
      release = await holdStore(name, 'log');
      const bulk = storage.commit({ put: versions, remove: [], meta: { clock: 'bulk' } });
      const bulkDone = bulk.then(() => settled.push('bulk'));
      const urgent = storage.commit({
        put: [decided],
        remove: [versionKey(versions[2]!)],
        meta: { clock: 'priority' },
        priority: true,
      });
      await urgent.then(() => settled.push('priority'));
      // Its transaction did not wait for the bulk one (IndexedDB runs disjoint scopes side by side).
      expect(settled).toEqual(['priority']);
      await release();
      release = undefined;
      await bulkDone;
      expect(settled).toEqual(['priority', 'bulk']);
      const expected = [decided, ...versions.filter((_, i) => i !== 1 && i !== 2)].map(versionKey).sort();
      const check = async (s: IdbStorage): Promise<void> => {
        const loaded = await s.loadVersions();
        expect(loaded.map(versionKey).sort()).toEqual(expected);
        expect(loaded.find((v) => versionKey(v) === versionKey(decided))?.value).toEqual({ decided: true });
        expect(await s.getMeta('clock')).toBe('priority');
      };
      await check(storage);
      await storage.close();
      const again = await openIdbStorage(name);
      await check(again);
      await again.close();
    } finally {
      await release?.();
      await storage.close();
      await deleteIdbStorage(name);
    }
  });
});
