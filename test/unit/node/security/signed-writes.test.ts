/**
 * Every local write is signed with the node's key before it is durable or announced: the version
 * the store holds, the one storage keeps (so anti-entropy serves it after a restart) and the one
 * replication hears of all carry a signature that verifies under the node's key.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../../src/adapters/memory-storage';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import type { Version } from '../../../../src/core/merge/version';
import { batchRootSigningBytes, versionLeafHash } from '../../../../src/core/signing/batch-signing';
import { rootFromProof } from '../../../../src/core/signing/merkle';
import { testIdentity } from '../../support/test-keys';
import { openTestNode } from '../../support/test-node';

const T0 = 1_700_000_000_000;
const me = testIdentity('writer');
const crypto = webCryptoVerifier();

async function open(backing = createMemoryBacking()) {
  const node = await openTestNode({
    identity: me,
    storage: new MemoryStorage({ backing }),
    now: () => T0,
  });
  return { node, backing };
}

/** The version's leaf, its path up to the root, and the author's one signature over that root. */
async function verifies(v: Version): Promise<boolean> {
  const p = v.proof;
  if (p?.kind !== 'path') return false;
  const root = rootFromProof(p.count, [p.index], [versionLeafHash(v, p.form)], p.path);
  if (typeof root === 'string') return false;
  return await crypto.verify(me.publicKey, batchRootSigningBytes(v.ts.node, p.count, root, p.form), p.sig);
}

describe('signed local writes', () => {
  it('create, update, writeMany and remove are signed before replication hears of them, and stay signed in storage', async () => {
    const { node, backing } = await open();
    const heard: Version[] = [];
    node.onVersions((versions, origin) => {
      if (origin === 'local') heard.push(...versions);
    });
    await node.create({ id: 't1', components: { position: { lat: 50, lon: 1 }, threat: { level: 'LOW' } } });
    await node.update('t1', { threat: { level: 'HIGH' } });
    await node.writeMany([
      { id: 't2', components: { position: { lat: 51, lon: 2 } } },
      { components: { threat: { level: 'NONE' } } },
    ]);
    await node.remove('t2');
    expect(heard.length).toBeGreaterThanOrEqual(6);
    for (const v of heard) expect(await verifies(v)).toBe(true);
    // The tombstone too: a forged one is what deletes an entity everywhere.
    expect(heard.some((v) => v.kind === '$deleted')).toBe(true);
    await node.flushed();
    await node.close();
    const reopened = (await open(backing)).node;
    const stored = [...reopened.versions()];
    expect(stored.length).toBeGreaterThan(0);
    for (const v of stored) expect(await verifies(v)).toBe(true);
    await reopened.close();
  });

  it('writes committed together share one signature (group commit), each with its own proof', async () => {
    const { node } = await open();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => node.create({ id: `g${i}`, components: { threat: { level: 'LOW' } } })),
    );
    const vs = [...node.versions()];
    expect(vs).toHaveLength(20);
    for (const v of vs) expect(await verifies(v)).toBe(true);
    const sigs = new Set(vs.map((v) => (v.proof?.kind === 'path' ? v.proof.sig : undefined)));
    // Fewer signatures than versions: the first create signs alone, those that came meanwhile together.
    expect(sigs.size).toBeLessThan(vs.length);
    await node.close();
  });

  it('a signature covers what was written: changing the stored value breaks it', async () => {
    const { node } = await open();
    await node.create({ id: 't1', components: { threat: { level: 'LOW' } } });
    const [v] = [...node.versions()];
    expect(await verifies(v!)).toBe(true);
    expect(await verifies({ ...v!, value: { level: 'HIGH' } })).toBe(false);
    await node.close();
  });
});
