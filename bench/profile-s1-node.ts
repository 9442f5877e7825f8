import { generateNodeKey } from '../src/adapters/identity/node-key';
import { sha256Ready } from '../src/core/signing/sha256';
import { encodeVersions } from '../src/core/wire';
import { ingestNodeDirect, openPlainNode, openReceiver } from './lib/node-ingest';
import { realAuthors, reauthor, signPerAuthor } from './lib/signed';
import { AUTHORS, batches, nodeIds, scenario1, T0 } from './lib/workload';

/**
 * Scenario 1's production ingest path, alone, for a CPU profile (not a scenario: it saves nothing):
 *   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/s1n-prof --import tsx bench/profile-s1-node.ts [n] [rounds] [direct]
 * then summarise it with bench/lib/cpu-profile-top.ts. Each round hands the signed frames of `n`
 * writes to a fresh receiving MeshNode (bench/lib/node-ingest.ts, as bench/s1-merge-throughput.ts's
 * "production ingest" rows do); `direct` hands the unsigned frames to LatticeNode.applyRemote instead.
 */
const n = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const direct = process.argv[4] === 'direct';
await sha256Ready;
const authors = await realAuthors(nodeIds(AUTHORS));
const signed: Uint8Array[] = [];
const plain: Uint8Array[] = [];
for (const b of batches(scenario1(n, 1, false).writes)) {
  const writes = reauthor(b, authors.idOf);
  plain.push(encodeVersions(writes));
  signed.push(encodeVersions(await signPerAuthor(writes, authors.keyOf)));
}
const sender = await generateNodeKey(0);
const clock = (): (() => number) => {
  const opened = performance.now();
  return () => Math.floor(T0 + n / 10 + 1000 + (performance.now() - opened));
};
let ms = 0;
for (let r = 0; r < rounds; r++) {
  if (direct) {
    const node = await openPlainNode(clock());
    const t0 = performance.now();
    await ingestNodeDirect(node, plain);
    ms += performance.now() - t0;
    await node.close();
  } else {
    const receiver = await openReceiver(
      authors.keys.map((k) => k.publicKey),
      clock(),
      sender,
    );
    const t0 = performance.now();
    await receiver.ingest(signed, n);
    ms += performance.now() - t0;
    await receiver.close();
  }
}
console.log(
  `${n} writes × ${rounds}, ${direct ? 'decode + LatticeNode.applyRemote, unsigned' : 'production ingest, signed'}: ` +
    `${((n * rounds) / ms).toFixed(1)}k/s, ${((1000 * ms) / (n * rounds)).toFixed(1)} µs a write`,
);
process.exit(0);
