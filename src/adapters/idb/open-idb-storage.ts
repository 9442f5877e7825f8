import { deleteDB, openDB } from 'idb';
import { toStorageError } from './errors';
import { IdbStorage, URGENT_FOLDED, type IdbStorageOptions } from './idb-storage';
import { DB_VERSION, upgradeSchema, type LatticeDB } from './schema';
import { readUrgent } from './urgent-record';

/** Opens (creating or upgrading) the database `dbName` as a StoragePort. */
export async function openIdbStorage(dbName: string, options: IdbStorageOptions = {}): Promise<IdbStorage> {
  // `blocking` or `terminated` may fire before openDB's promise settles: remember it until the storage exists.
  const link: { storage?: IdbStorage; lostEarly?: 'blocking' | 'terminated' } = {};
  const lost = (reason: 'blocking' | 'terminated'): void => {
    if (link.storage === undefined) link.lostEarly ??= reason;
    else link.storage.lost(reason);
  };
  let db;
  let conversionError: unknown;
  try {
    db = await openDB<LatticeDB>(dbName, DB_VERSION, {
      upgrade: (database, oldVersion, _newVersion, tx) => {
        // A failed conversion aborts the upgrade, so openDB rejects (with an AbortError); report why.
        upgradeSchema(database, oldVersion, tx).catch((error: unknown) => (conversionError = error));
      },
      blocked: (current) => {
        const message = `opening IndexedDB "${dbName}" waits: another tab still has version ${current} open; close or reload it`;
        if (options.onEvent !== undefined) options.onEvent({ type: 'blocked', message });
        else console.warn(`[idb-storage] ${message}`);
      },
      blocking: () => lost('blocking'),
      terminated: () => lost('terminated'),
    });
  } catch (error) {
    if (conversionError !== undefined) {
      throw toStorageError(conversionError, `converting IndexedDB "${dbName}" to schema version ${DB_VERSION}`);
    }
    throw toStorageError(error, `opening IndexedDB "${dbName}"`);
  }
  const storage = new IdbStorage(db, dbName, options);
  try {
    // Priority commits an earlier session left unfolded: the next bulk commit folds them first.
    const tx = db.transaction(['state', 'urgent'], 'readonly');
    const urgent = tx.objectStore('urgent');
    const [folded, keys, records] = await Promise.all([
      tx.objectStore('state').get(URGENT_FOLDED),
      urgent.getAllKeys(),
      urgent.getAll(),
    ]);
    await tx.done;
    const after = folded ?? 0;
    storage.adopt(
      after,
      records.map((record, i) => ({ key: keys[i]!, record: readUrgent(record).record })).filter((r) => r.key > after),
    );
  } catch (error) {
    db.close();
    throw toStorageError(error, `opening IndexedDB "${dbName}"`);
  }
  link.storage = storage;
  if (link.lostEarly !== undefined) storage.lost(link.lostEarly);
  return storage;
}

/**
 * Deletes the database (tests, or a deliberate wipe). Open connections of ours close themselves when
 * asked; one that is still finishing a transaction makes the browser report `blocked` briefly, so
 * blocking is passed to `onBlocked` and waited out rather than treated as failure.
 */
export async function deleteIdbStorage(dbName: string, onBlocked?: () => void): Promise<void> {
  try {
    await deleteDB(dbName, { blocked: () => onBlocked?.() });
  } catch (error) {
    throw toStorageError(error, `deleting IndexedDB "${dbName}"`);
  }
}
