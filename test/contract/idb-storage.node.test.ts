import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage, type IdbStorage } from '../../src/adapters/idb';
import { toStorageError } from '../../src/adapters/idb/errors';
import { StorageFullError } from '../../src/ports/storage';
import { runIdbStorageExtras } from './idb-storage-extras';
import { runStorageContract } from './storage-contract';

let counter = 0;

async function idbFixture() {
  const name = `contract-${++counter}`;
  const opened: IdbStorage[] = [];
  const open = async () => {
    const s = await openIdbStorage(name);
    opened.push(s);
    return s;
  };
  return {
    storage: await open(),
    reopen: open,
    teardown: async () => {
      for (const s of opened) await s.close();
      await deleteIdbStorage(name);
    },
  };
}

runStorageContract('IdbStorage (fake-indexeddb)', idbFixture, { describe, it, expect });

describe('IdbStorage error mapping', () => {
  it('turns a QuotaExceededError into StorageFullError', () => {
    const error = toStorageError(new DOMException('quota', 'QuotaExceededError'), 'committing');
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error.message).toMatch(/quota/);
  });

  it('keeps the name and cause of any other failure', () => {
    const cause = new DOMException('boom', 'UnknownError');
    const error = toStorageError(cause, 'committing');
    expect(error).not.toBeInstanceOf(StorageFullError);
    expect(error.message).toBe('committing failed: UnknownError: boom');
    expect(error.cause).toBe(cause);
  });
});

runIdbStorageExtras(() => `extra-${++counter}`, { describe, it, expect });
