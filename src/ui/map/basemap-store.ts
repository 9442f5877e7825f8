import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/**
 * The operator's offline basemap file, kept whole in IndexedDB (a Blob: the browser stores it on
 * disk and reads slices lazily), so it is there after a reload and with no network. One basemap
 * per browser, like the theme: each tablet carries the area it works in.
 */
export const BASEMAP_DB = 'lattice-mesh-basemap';
const STORE = 'basemap';
const KEY = 'current';

export interface StoredBasemap {
  readonly name: string;
  readonly blob: Blob;
  readonly savedAt: number;
}

interface BasemapDb extends DBSchema {
  basemap: { key: string; value: StoredBasemap };
}

function open(): Promise<IDBPDatabase<BasemapDb>> {
  return openDB<BasemapDb>(BASEMAP_DB, 1, {
    upgrade(db) {
      db.createObjectStore(STORE);
    },
  });
}

async function withDb<T>(fn: (db: IDBPDatabase<BasemapDb>) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

export function loadStoredBasemap(): Promise<StoredBasemap | undefined> {
  return withDb((db) => db.get(STORE, KEY));
}

/** Replaces the stored basemap; rejects (QuotaExceededError) if the browser has no room for it. */
export async function storeBasemap(name: string, blob: Blob): Promise<StoredBasemap> {
  const stored: StoredBasemap = { name, blob, savedAt: Date.now() };
  await withDb((db) => db.put(STORE, stored, KEY));
  return stored;
}

export function removeStoredBasemap(): Promise<void> {
  return withDb((db) => db.delete(STORE, KEY));
}
