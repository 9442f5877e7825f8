/**
 * writeMany on the node's production path in Node, under the V8 CPU profiler (not a scenario: it
 * saves nothing): a LatticeNode over memory storage with the node's own Ed25519 signer, as the
 * worker opens it, takes scenario 6's batches (2000 entities × 4 components a call):
 *   node --import tsx --cpu-prof --cpu-prof-dir=<dir> bench/profile-write-many.ts [calls]
 * Prints the rate; the profile shows where the time goes without IndexedDB, the RPC or the page.
 */
import { MemoryStorage } from '../src/adapters/memory-storage';
import { generateNodeKey } from '../src/adapters/identity/node-key';
import { signerOf } from '../src/adapters/identity/node-signer';
import { LatticeNode } from '../src/node/lattice-node';

const CALLS = Number(process.argv[2] ?? 40);
const ITEMS = 2_000;
const key = await generateNodeKey(Date.now());
let n = 0;
const node = await LatticeNode.open({
  nodeId: key.nodeId,
  lattice: 'prof',
  storage: new MemoryStorage(),
  backend: 'memory',
  now: () => Date.now(),
  newId: () => `g${(n++).toString()}`,
  scheduleChanges: (fn) => setTimeout(fn, 16),
  signer: signerOf(key),
});
const batch = (k: number) =>
  Array.from({ length: ITEMS }, (_, i) => ({
    id: `w${i.toString()}`,
    components: {
      position: { lat: 50 + (i % 1000) * 1e-4 + k * 1e-6, lon: 8 + Math.floor(i / 1000) * 1e-4 },
      velocity: { east: (k % 7) - 3, north: 2 },
      threat: { level: k % 2 === 0 ? 'LOW' : 'MEDIUM' },
      classification: { label: 'vessel', disposition: 'UNKNOWN', environment: 'SURFACE', confidence: 0.5 },
    },
  }));
const ms: number[] = [];
for (let c = 0; c < CALLS; c++) {
  const b = batch(c);
  const t = performance.now();
  await node.writeMany(b);
  ms.push(performance.now() - t);
}
ms.sort((a, b) => a - b);
const p50 = ms[Math.floor(ms.length / 2)]!;
console.log(
  `writeMany ${ITEMS}×4: call p50 ${p50.toFixed(1)} ms, ${Math.round((ITEMS * 4) / (p50 / 1000))} component writes/s`,
);
await node.close?.();
process.exit(0);
