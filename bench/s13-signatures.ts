import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { versionSigningBytes } from '../src/core/signing/version-signing';
import { EntityStore } from '../src/core/store/entity-store';
import { decodeVersions, encodeVersions } from '../src/core/wire';
import { generateNodeKey, type NodeKey } from '../src/adapters/identity/node-key';
import { signerOf } from '../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../src/adapters/identity/webcrypto-verifier';
import { KeyRing, VersionVerifier, signBatch, signVersion } from '../src/node/security/version-verifier';
import { QUICK, RUNS, gc, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { saveResult } from './lib/save';
import { stat } from './lib/stats';
import { SENSORS, TRACKS, trackFeed } from './lib/tracks';
import { batches } from './lib/workload';
import {
  encodeMessage,
  HANDSHAKE_NONCE_BYTES,
  MessageType,
  SIGNATURE_BYTES,
  SYNC_PROTOCOL_VERSION,
} from '../src/core/sync';
import { fakeNodeId, prng } from './lib/prng';

/**
 * Scenario 13 (docs/performance.md): signed versions. Bytes per position update with a signature
 * per version (what is built, docs/security.md "Signed versions") beside one signature per batch
 * of one author's writes (the alternative), and Ed25519 verifications per second through the
 * WebCrypto adapter: one at a time, a batch verified concurrently (VersionVerifier.verifyBatch),
 * and copies answered from the cache of verified versions. Node's WebCrypto here; the worker in
 * Chromium runs the same calls (not measured by this script).
 */
const startedAt = new Date();
const rows: Row[] = [];
const VERIFY_BATCH = QUICK ? 500 : 2000;
const SIZES = [1, 10, 100, 1000];
const BATCHES: Record<number, number> = QUICK
  ? { 1: 50, 10: 20, 100: 5, 1000: 2 }
  : { 1: 100, 10: 50, 100: 10, 1000: 3 };

// The scenario-2 feed, its sensors' ids replaced by ids of real keys so the signatures verify.
const keys: NodeKey[] = await Promise.all(Array.from({ length: SENSORS }, (_, i) => generateNodeKey(i)));
const need = TRACKS + Math.max(...SIZES.map((s) => s * BATCHES[s]!), VERIFY_BATCH);
const feed = trackFeed(need);
const idOf = new Map<NodeId, NodeId>(feed.nodes.map((n, i) => [n, keys[i]!.nodeId]));
const updates: Version[][] = feed.updates.map((u) =>
  u.map((v) => ({ ...v, ts: { ...v.ts, node: idOf.get(v.ts.node)! } })),
);
const keyOf = new Map<NodeId, NodeKey>(keys.map((k) => [k.nodeId, k]));
const sign = (v: Version): Promise<Version> => signVersion(signerOf(keyOf.get(v.ts.node)!), v);

log('s13: signing the feed');
const items = updates.slice(TRACKS);
const signedItems: Version[][] = [];
for (const u of items) signedItems.push(await Promise.all(u.map(sign)));

for (const size of SIZES) {
  const count = BATCHES[size]!;
  const plain = batches(items.slice(0, size * count), size);
  const withSigs = batches(signedItems.slice(0, size * count), size);
  const perVersion = withSigs.map((g) => encodeVersions(g.flat()).length / g.length);
  // One 64-byte signature per author present in the batch, over that author's versions.
  const perBatch = plain.map((g) => {
    const authors = new Set(g.map((u) => u[0]!.ts.node)).size;
    return (encodeVersions(g.flat()).length + 64 * authors) / g.length;
  });
  rows.push({
    case: `position update, batch of ${size}, a signature per version (built)`,
    unit: 'B',
    better: 'lower',
    ours: stat(perVersion),
  });
  rows.push({
    case: `position update, batch of ${size}, one signature per author per batch (alternative)`,
    unit: 'B',
    better: 'lower',
    ours: stat(perBatch),
    target: { text: '≤ 24 B + 64 B per author per batch', value: 24 + (64 * SENSORS) / size },
  });
}

log('s13: verifications');
const crypto = webCryptoVerifier();
const fresh = async (): Promise<VersionVerifier> => {
  const ring = new KeyRing(crypto);
  for (const k of keys) await ring.learn(k.publicKey);
  return new VersionVerifier('0'.repeat(32) as NodeId, crypto, ring);
};
const sample = signedItems.flat().slice(0, VERIFY_BATCH);
const sequential: number[] = [];
const concurrent: number[] = [];
const cached: number[] = [];
const perBatch: number[] = [];
const ingest: number[] = [];
const plainIngest: number[] = [];
// The ingest path as a node runs it (scenario 1 with verification on): decode a received batch,
// verify it (MeshSecurity → VersionVerifier, new versions), merge what was accepted.
const wire = encodeVersions(sample);
const wireUnsigned = encodeVersions(sample.map(({ sig: _sig, ...v }) => v as Version));
// One author's share of the sample, signed as one batch.
const author = keys[0]!;
const own = sample.filter((v) => v.ts.node === author.nodeId).map(({ sig: _sig, ...v }) => v as Version);
const ownSig = await signBatch(signerOf(author), author.nodeId, own);
for (let r = 0; r <= RUNS; r++) {
  gc();
  let t0 = performance.now();
  for (const v of sample) {
    if (!(await crypto.verify(keyOf.get(v.ts.node)!.publicKey, versionSigningBytes(v), v.sig!)))
      throw new Error('a signature of the feed did not verify');
  }
  const seqMs = performance.now() - t0;
  const verifier = await fresh();
  gc();
  t0 = performance.now();
  const out = await verifier.verifyBatch(sample);
  const batchMs = performance.now() - t0;
  if (out.accepted.length !== sample.length) throw new Error('the batch did not verify');
  const copies = sample.map((v) => ({ ...v }));
  t0 = performance.now();
  await verifier.verifyBatch(copies);
  const cacheMs = performance.now() - t0;
  if (verifier.cacheHits !== sample.length) throw new Error('the copies did not come from the cache');
  const batchVerifier = await fresh();
  t0 = performance.now();
  const whole = await batchVerifier.verifyAuthorBatch(author.nodeId, own, ownSig);
  const wholeMs = performance.now() - t0;
  if (whole.accepted.length !== own.length || batchVerifier.checked !== 1) throw new Error('the batch did not verify');
  gc();
  t0 = performance.now();
  const plainStore = new EntityStore();
  for (const v of decodeVersions(wireUnsigned)) plainStore.apply(v);
  const plainMs = performance.now() - t0;
  const ingestVerifier = await fresh();
  gc();
  t0 = performance.now();
  const store = new EntityStore();
  const received = await ingestVerifier.verifyBatch(decodeVersions(wire));
  for (const v of received.accepted) store.apply(v);
  const ingestMs = performance.now() - t0;
  if (received.accepted.length !== sample.length) throw new Error('the received batch did not verify');
  if (r === 0) continue; // warm-up
  ingest.push((sample.length / ingestMs) * 1000);
  plainIngest.push((sample.length / plainMs) * 1000);
  sequential.push((sample.length / seqMs) * 1000);
  concurrent.push((sample.length / batchMs) * 1000);
  cached.push((sample.length / cacheMs) * 1000);
  perBatch.push((own.length / wholeMs) * 1000);
}
rows.push({
  case: `verify one at a time (${VERIFY_BATCH} versions)`,
  unit: '/s',
  better: 'higher',
  ours: stat(sequential),
});
rows.push({
  case: `verifyBatch, ${VERIFY_BATCH} new versions checked concurrently`,
  unit: '/s',
  better: 'higher',
  ours: stat(concurrent),
});
rows.push({
  case: `verifyBatch, ${VERIFY_BATCH} copies of verified versions (cache)`,
  unit: '/s',
  better: 'higher',
  ours: stat(cached),
});
rows.push({
  case: `verifyAuthorBatch, one author's ${own.length} new versions under one signature (versions/s)`,
  unit: '/s',
  better: 'higher',
  ours: stat(perBatch),
  target: { text: '≥ scenario 1 merge rate (325k/s, 10k writes)', value: 325_000 },
});

rows.push({
  case: `ingest: decode + verify + merge, ${VERIFY_BATCH} new signed versions (scenario 1 path, verification on)`,
  unit: '/s',
  better: 'higher',
  ours: stat(ingest),
});
rows.push({
  case: `ingest without verification: decode + merge, the same ${VERIFY_BATCH} versions unsigned`,
  unit: '/s',
  better: 'higher',
  ours: stat(plainIngest),
});

/** The handshake's frames as scenario 4 counts them (a hello with a 100k-item set, a proof). */
const helloBytes = encodeMessage({
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  node: fakeNodeId(prng(3)) as NodeId,
  lattice: 'bench',
  time: 1_700_000_000_000,
  items: 100_000,
  newest: 1_700_000_000_000,
  key: new Uint8Array(32),
  nonce: new Uint8Array(HANDSHAKE_NONCE_BYTES),
}).length;
const proofBytes = encodeMessage({ type: MessageType.Proof, sig: new Uint8Array(SIGNATURE_BYTES) }).length;

await saveResult({
  id: 's13',
  scenario: 13,
  title: 'Signatures: bytes per signed position update, Ed25519 verifications per second',
  target:
    '≥ the merge rate of scenario 1 with verification on (batching or caching), signed position update ≤ 24 B + one signature per batch',
  reference: 'WebCrypto Ed25519 verify; @noble/ed25519 not installed, not compared',
  quick: QUICK,
  runs: RUNS,
  peers: [],
  rows,
  notes: [
    `Feed: scenario 2's position updates (position + velocity sharing one clock, ${SENSORS} sensors), signed with real ` +
      'non-extractable Ed25519 keys over versionSigningBytes (src/core/signing/version-signing.ts). Byte counts are exact ' +
      '(median over batches); "one signature per author per batch" adds 64 B per author present to the unsigned batch, ' +
      'as a wire format carrying it would (not built).',
    'Verification rates are medians of runs after a warm-up, Node WebCrypto through src/adapters/identity/webcrypto-verifier.ts ' +
      '(imported keys cached); "cache" is the VerifiedVersions lookup a relayed or anti-entropy copy costs.',
    'Ingest rows: what a node does with a received batch since signed versions were wired (docs/security.md, "Signed ' +
      'versions on ingest"): decodeVersions, VersionVerifier.verifyBatch of new versions (every one an Ed25519 check), ' +
      'EntityStore.apply of those accepted; beside it the same versions unsigned, decoded and merged without verification. ' +
      'Relayed and anti-entropy copies of versions already verified cost the cache row instead of an Ed25519 check.',
    `Per link, not per version (sync protocol ${SYNC_PROTOCOL_VERSION}): each side's hello carries its 32-B key and a ` +
      `${HANDSHAKE_NONCE_BYTES}-B nonce (${helloBytes} B), and each side answers the other's nonce with a signed proof of ` +
      `${proofBytes} B: one Ed25519 signature and one verification per side per link, none of it in the rows above.`,
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s13: saved');
