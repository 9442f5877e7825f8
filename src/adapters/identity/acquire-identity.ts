import type { NodeId } from '../../core/ids';
import { openIdentityDb } from './identity-db';
import { generateNodeKey, type NodeKey } from './node-key';

export interface HeldIdentity {
  readonly key: NodeKey;
  /** Gives the identity back so another tab may run it. */
  release(): void;
}

const lockName = (id: string): string => `lattice-mesh-node:${id}`;

/**
 * Takes a node identity that no other tab is running (Web Locks), or makes a new one. The
 * preferred id (this tab's previous identity, kept in sessionStorage) is waited for briefly,
 * because on reload the old page's lock may not be released yet.
 */
export async function acquireIdentity(
  preferred: string | undefined,
  now: number,
  waitMs = 3000,
): Promise<HeldIdentity> {
  const db = await openIdentityDb();
  try {
    const keys = (await db.getAll('keys')).sort((a, b) => a.created - b.created);
    const ordered = [...keys.filter((k) => k.nodeId === preferred), ...keys.filter((k) => k.nodeId !== preferred)];
    for (const key of ordered) {
      const release = await tryLock(key.nodeId, key.nodeId === preferred ? waitMs : 0);
      if (release !== undefined) return { key, release };
    }
    const key = await generateNodeKey(now);
    const release = await tryLock(key.nodeId, 0);
    if (release === undefined) throw new Error(`could not lock new identity ${key.nodeId}`);
    await db.put('keys', key);
    return { key, release };
  } finally {
    db.close();
  }
}

/** Holds the named lock until release() is called; undefined if not obtained in time. */
function tryLock(id: NodeId, waitMs: number): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const options: LockOptions = waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    navigator.locks
      .request(lockName(id), options, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        resolve(release);
        return held;
      })
      .catch((error: unknown) => {
        if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
          resolve(undefined);
        else reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}
