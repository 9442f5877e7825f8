/**
 * Heap a node holds per new register a peer adds (issue 12, docs/security.md "New registers per
 * author", REGISTER_HEAP_BYTES): a real LatticeNode + MeshNode (the attack suite's harness) takes N
 * tiny signed versions of one author in legal frames of 2,000 (one batch each), and the retained
 * heap is measured after full GCs; then the parts alone on the same versions.
 * Run: node --expose-gc --import tsx bench/register-heap.ts [N]
 */
import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { EntityStore } from '../src/core/store/entity-store';
import { encodeMessage } from '../src/core/sync';
import { SyncIndex } from '../src/core/sync/sync-index';
import { signedBatch } from '../src/node/security/sign-writes';
import { Harness, pos, T0, versionsFrame } from '../test/unit/node/mesh/scripted-peers';
import { syncSigner, testIdentity } from '../test/unit/support/test-keys';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = (): number => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

const n = Number(process.argv[2] ?? 20_000);
const perFrame = 2_000;
const batches: Version[][] = [];
const unsigned = heap();
for (let f = 0; f * perFrame < n; f++) {
  const tiny = Array.from({ length: Math.min(perFrame, n - f * perFrame) }, (_, i) =>
    pos(`t${f}-${i}`, 'e', T0 - 100_000 + f * perFrame + i),
  );
  batches.push(await signedBatch(syncSigner(testIdentity('e')), 'e' as NodeId, tiny));
}
const per = (bytes: number): string => `${Math.round(bytes / n)} B per register`;
const versionsBytes = heap() - unsigned;

{
  const h = await Harness.create('m', { registerLimits: { burst: 1_000_000, ratePerSecond: 0, maxAuthors: 4096 } });
  const evil = h.peer('e');
  evil.hello();
  h.tick();
  const frames = batches.map((b) => encodeMessage(versionsFrame(b, true)));
  const before = heap();
  for (const bytes of frames) {
    evil.handler.receive(bytes);
    h.tick();
  }
  h.tick(1000);
  await h.node.flushed();
  frames.length = 0;
  const after = heap();
  if ([...h.node.versions()].length !== n) throw new Error('not every register was taken');
  console.log(`node + mesh (harness): heap +${((after - before) / 1e6).toFixed(1)} MB, ${per(after - before)}`);
  // The harness keeps in memory what IndexedDB keeps on disk in the browser: not a tablet's heap.
  const storage = (h.node as unknown as { options: { storage: { backing: { versions: Map<string, unknown> } } } })
    .options.storage;
  storage.backing.versions.clear();
  console.log(`  of which the memory storage's copies (IndexedDB in the browser): ${per(after - heap())}`);
}
const all = batches.flat();
const keep: unknown[] = [];
const part = (name: string, make: () => unknown): void => {
  const before = heap();
  keep.push(make());
  console.log(`  ${name}: ${per(heap() - before)}`);
};
console.log(`  the signed versions themselves, each with its own path: ${per(versionsBytes)}`);
part('EntityStore alone', () => {
  const store = new EntityStore();
  for (const v of all) store.apply(v);
  return store;
});
part('SyncIndex alone', () => new SyncIndex(all));
