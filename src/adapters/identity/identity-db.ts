import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { NodeKey } from './node-key';

interface IdentityDB extends DBSchema {
  keys: { key: string; value: NodeKey };
}

/** Key pairs of every node this browser profile has run, shared by its tabs. */
export const IDENTITY_DB = 'lattice-mesh-identities';

export function openIdentityDb(): Promise<IDBPDatabase<IdentityDB>> {
  return openDB<IdentityDB>(IDENTITY_DB, 1, {
    upgrade(db) {
      db.createObjectStore('keys', { keyPath: 'nodeId' });
    },
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

export type { IdentityDB };
