import { deleteIdbStorage, openIdbStorage, type IdbStorage } from '../../src/adapters/idb';
import { runIdbStorageExtras } from '../contract/idb-storage-extras';
import { runStorageContract, type ContractTestApi } from '../contract/storage-contract';
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
