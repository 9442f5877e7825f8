import type { EntityId, NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { sha256Engine, sha256Ready } from '../src/core/signing/sha256';
import { signerOf } from '../src/adapters/identity/node-signer';
import { createMemoryBacking, MemoryStorage } from '../src/adapters/memory-storage';
import { LatticeNode } from '../src/node/lattice-node';
import { signedBatch } from '../src/node/security/sign-writes';
import { versionKey } from '../src/ports/storage';
import { freshVerifier, realAuthors } from './lib/signed';
import { QUICK, gc, log, machine } from './lib/measure';
import { version } from './lib/tracks';

/**
 * The cost of checking stored proofs on open (docs/security.md, "Stored proofs on load"): a store
 * of 100k components (one position each, five authors), signed in batches of 1,024 (bulk group
 * commits), 150 (a frame batch) and 1 (a version per batch, the worst case, as costly as the
 * per-version signatures stored before batch signing). VersionVerifier.checkStored with Node's
 * WebCrypto (the worker runs the same calls in Chromium), a fresh verifier each run (no root
 * remembered); then LatticeNode.open over a MemoryStorage with and without the check, and with
 * it the time until LatticeNode.storedChecked settles (the open returns before the check).
 *
 *   flock /tmp/heavy.lock env BENCH_QUICK=1 node --expose-gc --import tsx bench/stored-proofs.ts
 */
await sha256Ready;
if (sha256Engine() !== 'wasm') throw new Error('SHA-256 is not on WebAssembly here');
const N = 100_000;
const AUTHORS = 5;
const RUNS = QUICK ? 3 : 5;
const T0 = 1_700_000_000_000;

const authors = await realAuthors(Array.from({ length: AUTHORS }, (_, i) => `a${i}` as NodeId));
const keys = authors.keys;

async function store(batch: number): Promise<Version[]> {
  const out: Version[] = [];
  for (let start = 0; start < N; start += batch) {
    const key = keys[(start / batch) % AUTHORS]!;
    const part = Array.from({ length: Math.min(batch, N - start) }, (_, j) =>
      version(
        `t${start + j}` as EntityId,
        'position',
        { lat: 50 + j / 1e4, lon: 1 + j / 1e4, alt: 100 },
        {
          ms: T0 + start + j,
          c: 0,
          node: key.nodeId,
        },
      ),
    );
    out.push(...(await signedBatch(signerOf(key), key.nodeId, part)));
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

log(`stored proofs on open, ${N} components, ${AUTHORS} authors, ${JSON.stringify(machine())}`);
for (const batch of [1024, 150, 1]) {
  const versions = await store(batch);
  const times: number[] = [];
  let checks = 0;
  for (let r = 0; r < RUNS; r++) {
    const verifier = await freshVerifier(keys);
    gc();
    const t = performance.now();
    const out = await verifier.checkStored(versions);
    times.push(performance.now() - t);
    checks = out.checks;
    if (out.problems.some((p) => p !== undefined)) throw new Error('a sound store did not verify');
  }
  log(
    `batches of ${batch}: checkStored ${median(times).toFixed(0)} ms median (${times.map((t) => t.toFixed(0)).join(', ')}), ` +
      `${checks} Ed25519 checks, ${((median(times) * 1000) / N).toFixed(2)} µs per version`,
  );
  if (batch !== 1024) continue;
  // The whole open, over a memory storage holding the same versions, with and without the check.
  const backing = createMemoryBacking();
  for (const v of versions) backing.versions.set(versionKey(v), v);
  const opens: Record<'without' | 'with', number[]> = { without: [], with: [] };
  // LatticeNode.open returns before the check (docs/security.md, "Stored proofs on load"): the
  // time until storedChecked settles is measured apart.
  const checked: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const mode of ['without', 'with'] as const) {
      const verifier = await freshVerifier(keys);
      gc();
      const t = performance.now();
      const node = await LatticeNode.open({
        nodeId: '0'.repeat(32) as NodeId,
        lattice: 'bench',
        storage: new MemoryStorage({ backing }),
        backend: 'memory',
        now: () => T0 + N,
        newId: () => 'x',
        scheduleChanges: () => undefined,
        ...(mode === 'with' ? { checkStored: (vs: readonly Version[]) => verifier.checkStored(vs) } : {}),
      });
      opens[mode].push(performance.now() - t);
      await node.storedChecked();
      if (mode === 'with') checked.push(performance.now() - t);
      await node.close();
    }
  }
  log(
    `LatticeNode.open of the 100k store (memory storage): ${median(opens.without).toFixed(0)} ms without the check, ` +
      `${median(opens.with).toFixed(0)} ms with it (returns before the check), ` +
      `${median(checked).toFixed(0)} ms until storedChecked settles`,
  );
}
