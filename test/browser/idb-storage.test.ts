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

describe('IdbStorage priority lane (Chromium IndexedDB)', () => {
  it('makes a priority commit durable while a long bulk commit is in flight, and applies it after that one', async () => {
    const name = nextName();
    const storage = await openIdbStorage(name);
    try {
      const versions = Array.from({ length: 20_000 }, (_, i) => sampleVersion(i));
      const decided: Version = { ...versions[1]!, value: { decided: true } };
      const settled: string[] = [];
      const bulk = storage.commit({ put: versions, remove: [], meta: { clock: 'bulk' } });
      const urgent = storage.commit({
        put: [decided],
        remove: [versionKey(versions[2]!)],
        meta: { clock: 'priority' },
        priority: true,
      });
      await Promise.all([bulk.then(() => settled.push('bulk')), urgent.then(() => settled.push('priority'))]);
      // Its transaction did not wait for the bulk one (IndexedDB runs disjoint scopes side by side).
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
      await storage.close();
      await deleteIdbStorage(name);
    }
  });
});
