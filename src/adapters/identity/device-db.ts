import { openDB } from 'idb';
import type { NodeId } from '../../core/ids';
import type { DeviceDirectory } from '../../ports/device-directory';
import { openIdentityDb } from './identity-db';

/** Per lattice, the founding this profile's tabs trust (a database of its own: the identity database is left as it is). */
export const DEVICE_DB = 'lattice-mesh-device';

function openDeviceDb() {
  return openDB(DEVICE_DB, 1, {
    upgrade(db) {
      db.createObjectStore('anchors');
    },
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

/** The profile as one device: sibling ids from the identity database, anchors in their own store. */
export function idbDeviceDirectory(): DeviceDirectory {
  return {
    async siblings() {
      const db = await openIdentityDb();
      try {
        return (await db.getAllKeys('keys')) as NodeId[];
      } finally {
        db.close();
      }
    },
    async anchor(lattice, proposal, replacing) {
      const db = await openDeviceDb();
      try {
        // One readwrite transaction: two tabs founding at once see each other's claim.
        const tx = db.transaction('anchors', 'readwrite');
        const held = (await tx.store.get(lattice)) as string | undefined;
        const free = held === undefined || (replacing !== undefined && held === replacing);
        if (free && proposal !== undefined) await tx.store.put(proposal, lattice);
        await tx.done;
        return free ? (proposal ?? held) : held;
      } finally {
        db.close();
      }
    },
  };
}
