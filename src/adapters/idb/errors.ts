import { StorageFullError } from '../../ports/storage';

/**
 * Turns an IndexedDB failure into the error a caller sees. Quota errors arrive either on a request
 * or as the transaction's abort reason, in both cases as a DOMException named QuotaExceededError.
 * Anything else keeps its name and message, and the original rides along as `cause`.
 */
export function toStorageError(error: unknown, what: string): Error {
  if (error instanceof StorageFullError) return error;
  const { name, message } = describeError(error);
  if (name === 'QuotaExceededError') {
    return new StorageFullError(`${what} failed: the browser's storage quota is exhausted (${message})`, {
      cause: error,
    });
  }
  if (name === 'VersionError') {
    return new Error(`${what} failed: a newer version of lattice-mesh upgraded this database; reload the tab`, {
      cause: error,
    });
  }
  return new Error(`${what} failed: ${name}: ${message}`, { cause: error });
}

export type ClosedReason = 'closed' | 'blocking' | 'terminated';

/** Why a connection no longer serves requests; every later call rejects with this. */
export function closedError(dbName: string, reason: ClosedReason, op: string): Error {
  const why: Record<ClosedReason, string> = {
    closed: 'the storage was closed',
    blocking: 'another tab or connection is upgrading or deleting the database, so this one closed; reload the tab',
    terminated: 'the browser terminated the connection (site data cleared or a disk error); reload the tab',
  };
  return new Error(`IndexedDB storage "${dbName}" cannot ${op}: ${why[reason]}`);
}

function describeError(error: unknown): { name: string; message: string } {
  if (typeof error === 'object' && error !== null && 'name' in error && 'message' in error) {
    return { name: String(error.name), message: String(error.message) || 'no reason given' };
  }
  return { name: 'Error', message: String(error) };
}
