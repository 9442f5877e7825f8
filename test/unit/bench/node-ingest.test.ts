import { describe, expect, it } from 'vitest';
import { generateNodeKey } from '../../../src/adapters/identity/node-key';
import { sha256Ready } from '../../../src/core/signing/sha256';
import { encodeVersions } from '../../../src/core/wire';
import { ingestNodeDirect, openPlainNode, openReceiver } from '../../../bench/lib/node-ingest';
import { realAuthors, reauthor, signPerAuthor } from '../../../bench/lib/signed';
import { AUTHORS, batches, nodeIds, scenario1, T0 } from '../../../bench/lib/workload';

/**
 * Scenario 1's production-ingest rows (bench/s1-merge-throughput.ts) time what this helper does:
 * every version of the frames verified (one Ed25519 check per author batch) and handed to the node.
 */
describe('bench/lib/node-ingest', () => {
  it('hands every signed version to the node through the session and the verifier', async () => {
    await sha256Ready;
    const n = 2_000;
    const authors = await realAuthors(nodeIds(AUTHORS));
    const signed: Uint8Array[] = [];
    const plain: Uint8Array[] = [];
    let authorBatches = 0;
    for (const b of batches(scenario1(n, 1, false).writes)) {
      const writes = reauthor(b, authors.idOf);
      plain.push(encodeVersions(writes));
      signed.push(encodeVersions(await signPerAuthor(writes, authors.keyOf)));
      authorBatches += new Set(writes.map((v) => v.ts.node)).size;
    }
    const now = (): number => T0 + n / 10 + 1000;
    const receiver = await openReceiver(
      authors.keys.map((k) => k.publicKey),
      now,
      await generateNodeKey(0),
    );
    await receiver.ingest(signed, n);
    expect(receiver.handed()).toBe(n);
    expect(receiver.security.stats().checked).toBe(authorBatches);
    const viaMesh = await receiver.node.stats();
    await receiver.close();

    const node = await openPlainNode(now);
    expect(await ingestNodeDirect(node, plain)).toBe(n);
    // The same writes leave the same picture whichever way they came.
    expect((await node.stats()).entities).toBe(viaMesh.entities);
    expect(viaMesh.entities).toBeGreaterThan(0);
    await node.close();
  });
});
