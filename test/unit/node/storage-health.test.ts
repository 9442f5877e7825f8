import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { StorageFullError } from '../../../src/ports/storage';
import { LatticeNode } from '../../../src/node/lattice-node';
import { openTestNode } from '../support/test-node';

async function open(storage: MemoryStorage): Promise<LatticeNode> {
  return openTestNode({
    storage,
    now: () => 1_000_000,
  });
}

describe('storage status as the operator sees it', () => {
  it('shows a full storage, keeps the write, and lands it once there is room', async () => {
    const storage = new MemoryStorage();
    const node = await open(storage);
    storage.failNextCommit(new StorageFullError('quota exceeded'));
    await expect(node.create({ id: 'a', components: { threat: { level: 'LOW' } } })).rejects.toBeInstanceOf(
      StorageFullError,
    );
    expect((await node.info()).storage).toMatchObject({ state: 'full', message: 'quota exceeded' });
    expect(await node.get('a')).toBeDefined();
    // The next write's commit carries the failed one too; both are then durable.
    await node.create({ id: 'b', components: { threat: { level: 'LOW' } } });
    expect((await node.info()).storage.state).toBe('ok');
    const reopened = await open(storage.reopen());
    expect((await reopened.list()).map((e) => e.id).sort()).toEqual(['a', 'b']);
  });

  it('shows trouble the adapter reports outside a commit', async () => {
    const node = await open(new MemoryStorage());
    node.reportStorage('error', 'the database was closed by another tab: reload this tab');
    expect((await node.info()).storage).toMatchObject({
      state: 'error',
      message: 'the database was closed by another tab: reload this tab',
    });
  });
});
