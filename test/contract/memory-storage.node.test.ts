import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/adapters/memory-storage';
import { StorageFullError, versionKey } from '../../src/ports/storage';
import { runStorageContract, sampleVersion } from './storage-contract';

runStorageContract(
  'MemoryStorage',
  async () => {
    const storage = new MemoryStorage();
    return { storage, reopen: async () => storage.reopen(), teardown: async () => {} };
  },
  { describe, it, expect },
);

describe('MemoryStorage test hooks', () => {
  it('failNextCommit fails exactly one commit and applies nothing', async () => {
    const storage = new MemoryStorage();
    storage.failNextCommit(new Error('disk on fire'));
    await expect(storage.commit({ put: [sampleVersion(0)], remove: [] })).rejects.toThrow('disk on fire');
    expect(await storage.loadVersions()).toEqual([]);
    await storage.commit({ put: [sampleVersion(0)], remove: [] });
    expect(await storage.loadVersions()).toHaveLength(1);
  });

  it('rejects with StorageFullError past its quota, applying nothing, and frees room on removal', async () => {
    const versions = Array.from({ length: 40 }, (_, i) => sampleVersion(i));
    const probe = new MemoryStorage({ quotaBytes: Infinity });
    await probe.commit({ put: versions.slice(0, 10), remove: [] });
    // Room for about 13 versions: 10 fit, 30 more do not, 8 more fit only once 8 are removed.
    const storage = new MemoryStorage({ quotaBytes: Math.round(probe.backing.bytes * 1.3) });
    await storage.commit({ put: versions.slice(0, 10), remove: [] });
    const error = await storage
      .commit({ put: versions.slice(10), remove: [], meta: { m: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toMatch(/quota/);
    expect(await storage.loadVersions()).toHaveLength(10);
    expect(await storage.getMeta('m')).toBeUndefined();
    await expect(storage.commit({ put: versions.slice(10, 18), remove: [] })).rejects.toBeInstanceOf(StorageFullError);
    await storage.commit({ put: versions.slice(10, 18), remove: versions.slice(0, 8).map(versionKey) });
    expect(await storage.loadVersions()).toHaveLength(10);
  });
});
