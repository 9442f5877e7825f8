import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { versionSigningBytes } from '../src/core/signing/version-signing';
import { EntityStore } from '../src/core/store/entity-store';
import { decodeVersions, encodeVersions } from '../src/core/wire';
import { signerOf } from '../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../src/adapters/identity/webcrypto-verifier';
import type { VersionVerifier } from '../src/node/security/version-verifier';
import { freshVerifier, realAuthors, reauthor, signPerAuthor as signEachAuthor } from './lib/signed';
import { QUICK, RUNS, gc, log, machine } from './lib/measure';
import type { Row } from './lib/result';
import { openBenchPage } from './lib/bench-page';
import { num } from './lib/report';
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
import type { S13WorkerRequest, S13WorkerResult } from './browser/s13-verify-worker';
import { LEAF_FORM_BINARY, LEAF_FORM_TEXT, type LeafForm } from '../src/core/signing/leaf-form';
import { sha256Engine, sha256Ready } from '../src/core/signing/sha256';

/**
 * Scenario 13 (docs/performance.md): signed versions. Bytes per position update with one Ed25519
 * signature per author batch (what is built, docs/security.md "One signature per batch"): whole
 * batches, a relayed subset with its multiproof, and a per-version signature (what versions stored
 * before batch signing still carry) for comparison; then the ingest path of a received frame
 * (decode, verify, merge) for new batches, relayed copies (roots remembered) and subsets, against
 * the same versions unsigned. Node's WebCrypto here; the worker in Chromium runs the same calls.
 */
const startedAt = new Date();
// As the worker does before it opens the node (workers/node-worker.ts).
await sha256Ready;
if (sha256Engine() !== 'wasm') throw new Error('SHA-256 is not on WebAssembly here');
const rows: Row[] = [];
const VERIFY_BATCH = QUICK ? 500 : 2000;
const SIZES = [1, 10, 100, 1000];
const BATCHES: Record<number, number> = QUICK
  ? { 1: 50, 10: 20, 100: 5, 1000: 2 }
  : { 1: 100, 10: 50, 100: 10, 1000: 3 };

// The scenario-2 feed, its sensors' ids replaced by ids of real keys so the signatures verify.
const need = TRACKS + Math.max(...SIZES.map((s) => s * BATCHES[s]!), VERIFY_BATCH);
const feed = trackFeed(need);
const authors = await realAuthors(feed.nodes);
const keys = authors.keys;
const keyOf = authors.keyOf;
const updates: Version[][] = feed.updates.map((u) => reauthor(u, authors.idOf));

/** Each author's versions among `versions` signed as one batch (as each writer's group commit would). */
const signPerAuthor = (versions: readonly Version[], form: LeafForm = LEAF_FORM_BINARY): Promise<Version[]> =>
  signEachAuthor(versions, keyOf, form);

/** The per-version signature of versions stored before batch signing. */
const signAlone = async (v: Version): Promise<Version> => ({
  ...v,
  sig: await signerOf(keyOf.get(v.ts.node)!).sign(versionSigningBytes(v)),
});

log('s13: signing the feed');
const items = updates.slice(TRACKS);

const bytesBySize = new Map<number, number>();
for (const size of SIZES) {
  const count = BATCHES[size]!;
  const groups = batches(items.slice(0, size * count), size);
  const perBatch: number[] = [];
  const perVersion: number[] = [];
  const authorsIn: number[] = [];
  for (const g of groups) {
    const flat = g.flat();
    perBatch.push(encodeVersions(await signPerAuthor(flat)).length / g.length);
    perVersion.push(encodeVersions(await Promise.all(flat.map(signAlone))).length / g.length);
    authorsIn.push(new Set(flat.map((v) => v.ts.node)).size);
  }
  const authors = stat(authorsIn).median;
  bytesBySize.set(size, stat(perBatch).median);
  rows.push({
    case: `position update, batch of ${size}, one signature per author batch (built; ${authors} author(s) per frame)`,
    unit: 'B',
    better: 'lower',
    ours: stat(perBatch),
    target: { text: '≤ 24 B + 64 B per author per batch', value: 24 + (64 * authors) / size },
  });
  rows.push({
    case: `position update, batch of ${size}, a signature per version (versions stored before batch signing)`,
    unit: 'B',
    better: 'lower',
    ours: stat(perVersion),
  });
}

log('s13: verifications');
const crypto = webCryptoVerifier();
const fresh = (): Promise<VersionVerifier> => freshVerifier(keys, crypto);
const plainSample = items.flat().slice(0, VERIFY_BATCH);
const sample = await signPerAuthor(plainSample);
const legacy = await Promise.all(plainSample.map(signAlone));
// A relay forwards a tenth of each batch: the versions with their multiproof.
const tenth = sample.filter((_, i) => i % 10 === 0);
const wire = encodeVersions(sample);
const wireTenth = encodeVersions(tenth);
const wireUnsigned = encodeVersions(plainSample);
// The same versions in batches signed over text leaves (form 1), as databases written before the
// binary leaf form hold them: still verified and served as they are.
const wireText = encodeVersions(await signPerAuthor(plainSample, LEAF_FORM_TEXT));
const textIngest: number[] = [];
const authorsInSample = new Set(sample.map((v) => v.ts.node)).size;
const sequential: number[] = [];
const concurrent: number[] = [];
const ingest: number[] = [];
const relayed: number[] = [];
const subset: number[] = [];
const plainIngest: number[] = [];
/**
 * The stores and verifiers of the last round, kept until the next round has made its own: a node
 * holds its store and its verifier for its whole life, so their classes are never without an
 * instance there. Without this, the forced GC before each timed step found none of the last
 * round's alive, V8 could drop their hidden classes and deoptimize the ingest built on them (the
 * reason "weak objects"), and the step timed code warming up again (docs/benchmarks.md, scenario
 * 13, "Stores and verifiers kept across the forced GC").
 */
const held: unknown[] = [];
for (let r = 0; r <= RUNS; r++) {
  gc();
  let t0 = performance.now();
  for (const v of legacy) {
    if (!(await crypto.verify(keyOf.get(v.ts.node)!.publicKey, versionSigningBytes(v), v.sig!)))
      throw new Error('a signature of the feed did not verify');
  }
  const seqMs = performance.now() - t0;
  // All in flight at once, as VersionVerifier issues the checks of a frame.
  gc();
  t0 = performance.now();
  const all = await Promise.all(
    legacy.map((v) => crypto.verify(keyOf.get(v.ts.node)!.publicKey, versionSigningBytes(v), v.sig!)),
  );
  const conMs = performance.now() - t0;
  if (all.some((ok) => !ok)) throw new Error('a signature of the feed did not verify');
  gc();
  t0 = performance.now();
  const plainStore = new EntityStore();
  for (const v of decodeVersions(wireUnsigned)) plainStore.apply(v);
  const plainMs = performance.now() - t0;
  const verifier = await fresh();
  gc();
  t0 = performance.now();
  const store = new EntityStore();
  const received = await verifier.verifyBatch(decodeVersions(wire));
  for (const v of received.accepted) store.apply(v);
  const ingestMs = performance.now() - t0;
  if (received.accepted.length !== sample.length || verifier.checked !== authorsInSample)
    throw new Error('the received batches did not verify, one check per author');
  gc();
  t0 = performance.now();
  const copyStore = new EntityStore();
  const copies = await verifier.verifyBatch(decodeVersions(wire));
  for (const v of copies.accepted) copyStore.apply(v);
  const relayMs = performance.now() - t0;
  if (copies.accepted.length !== sample.length || verifier.checked !== authorsInSample)
    throw new Error('the relayed copies were checked again');
  const subsetVerifier = await fresh();
  gc();
  t0 = performance.now();
  const subStore = new EntityStore();
  const sub = await subsetVerifier.verifyBatch(decodeVersions(wireTenth));
  for (const v of sub.accepted) subStore.apply(v);
  const subMs = performance.now() - t0;
  if (sub.accepted.length !== tenth.length) throw new Error('the subset did not verify');
  const textVerifier = await fresh();
  gc();
  t0 = performance.now();
  const textStore = new EntityStore();
  const text = await textVerifier.verifyBatch(decodeVersions(wireText));
  for (const v of text.accepted) textStore.apply(v);
  const textMs = performance.now() - t0;
  if (text.accepted.length !== sample.length) throw new Error('the text-leaf batches did not verify');
  held.splice(
    0,
    held.length,
    plainStore,
    verifier,
    store,
    copyStore,
    subsetVerifier,
    subStore,
    textVerifier,
    textStore,
  );
  if (r === 0) continue; // warm-up
  sequential.push((legacy.length / seqMs) * 1000);
  concurrent.push((legacy.length / conMs) * 1000);
  plainIngest.push((sample.length / plainMs) * 1000);
  ingest.push((sample.length / ingestMs) * 1000);
  relayed.push((sample.length / relayMs) * 1000);
  subset.push((tenth.length / subMs) * 1000);
  textIngest.push((sample.length / textMs) * 1000);
}
rows.push({
  case: `per-version signatures, verified one at a time (${VERIFY_BATCH} versions; before batch signing)`,
  unit: '/s',
  better: 'higher',
  ours: stat(sequential),
});
rows.push({
  case: `ingest: decode + verify + merge, ${VERIFY_BATCH} new versions in ${authorsInSample} author batches (one check each)`,
  unit: '/s',
  better: 'higher',
  ours: stat(ingest),
  target: { text: '≥ scenario 1 merge rate (325k/s, 10k writes)', value: 325_000 },
});
rows.push({
  case: `ingest of the same ${VERIFY_BATCH} versions in batches signed over text leaves (leaf form 1, stored before the binary form)`,
  unit: '/s',
  better: 'higher',
  ours: stat(textIngest),
});
rows.push({
  case: `ingest of relayed copies: the same frame again, roots remembered (hashing only)`,
  unit: '/s',
  better: 'higher',
  ours: stat(relayed),
});
rows.push({
  case: `ingest of a relayed tenth of each batch with multiproofs (${tenth.length} versions, new roots)`,
  unit: '/s',
  better: 'higher',
  ours: stat(subset),
});
rows.push({
  case: `ingest without verification: decode + merge, the same ${VERIFY_BATCH} versions unsigned`,
  unit: '/s',
  better: 'higher',
  ours: stat(plainIngest),
});
rows.push({
  case: `bytes per version of the ${VERIFY_BATCH}-version frame (whole author batches)`,
  unit: 'B',
  better: 'lower',
  ours: stat([wire.length / sample.length]),
});
rows.push({
  case: `bytes per version of a relayed tenth of each batch, with multiproofs`,
  unit: 'B',
  better: 'lower',
  ours: stat([wireTenth.length / tenth.length]),
});

rows.push({
  case: `per-version signatures, ${VERIFY_BATCH} checks all in flight at once (as the verifier issues a frame's checks), Node`,
  unit: '/s',
  better: 'higher',
  ours: stat(concurrent),
});

// The same in a browser worker (issue 12: verifications per second in the worker): headless
// Chromium, a dedicated module worker running the production adapter and ingest path.
log('s13: in a worker of headless Chromium');
const S1_WRITES = 10_000;
const page = await openBenchPage('s13-verify-page', {
  workers: ['s13-verify-worker.ts'],
  ready: 'window.s13 !== undefined',
  log,
});
const workerReq: S13WorkerRequest = { count: VERIFY_BATCH, s1Writes: S1_WRITES, runs: RUNS, repeats: QUICK ? 4 : 10 };
let inWorker: S13WorkerResult;
try {
  inWorker = await page.page.evaluate((r) => window.s13!.run(r), workerReq);
} finally {
  await page.close();
}
if (inWorker.sha256 !== 'wasm') throw new Error('SHA-256 is not on WebAssembly in the worker');
const workerRows: [string, number[]][] = [
  [`worker: Ed25519 verify (WebCrypto), ${VERIFY_BATCH} checks awaited one at a time`, inWorker.verifySequential],
  [`worker: Ed25519 verify (WebCrypto), ${VERIFY_BATCH} checks all in flight at once`, inWorker.verifyConcurrent],
  [
    `worker: ingest: decode + verify + merge, ${VERIFY_BATCH} new versions in ${inWorker.frameChecks} author batches (as the Node row above)`,
    inWorker.ingest,
  ],
  [`worker: ingest without verification: decode + merge, the same ${VERIFY_BATCH} versions unsigned`, inWorker.plain],
  [
    `worker: scenario 1's 10k writes signed (50 authors, frames of 1,000): decode + verify + merge, ${inWorker.s1Checks} author batches`,
    inWorker.s1Signed,
  ],
  [`worker: scenario 1's 10k writes unsigned: decode + merge`, inWorker.s1Plain],
];
for (const [c, runs] of workerRows) rows.push({ case: c, unit: '/s', better: 'higher', ours: stat(runs) });
const workerShare = inWorker.s1Signed.map((s, i) => (100 * s) / inWorker.s1Plain[i]!);
rows.push({
  case: "worker: scenario 1's 10k writes, signed ingest against unsigned, same run",
  unit: '%',
  better: 'higher',
  ours: stat(workerShare),
});

const med = (xs: readonly number[]): number => stat(xs).median;
const perS = (x: number): string => `${num(x, '/s')}/s`;
/** Share of an ingest's time the Ed25519 checks take at the worker's measured rate (all in flight). */
const edShare = (checks: number, versions: number, ingestRate: number): number =>
  (100 * (checks / med(inWorker.verifyConcurrent))) / (versions / ingestRate);
const choiceNote =
  'Verification choice (issue 12; docs/security.md, "One signature per batch"): each author signs, once per group commit, ' +
  'the Merkle root over the versions it committed together (Ed25519, the non-extractable WebCrypto key); a frame of whole ' +
  'batches carries the 64-B signature once per author batch and no proof, a relayed subset one multiproof, and a receiver ' +
  'makes one Ed25519 check per new root (none for a root it has verified), the rest is hashing. Bytes per position update ' +
  `(${SENSORS} authors a frame): ${num(bytesBySize.get(1)!)} B alone, ${num(bytesBySize.get(10)!)} B in a frame of 10, ` +
  `${num(bytesBySize.get(100)!)} B in a frame of 100, ${num(bytesBySize.get(1000)!)} B in a frame of 1,000. ` +
  `Verifications per second: in a dedicated worker of headless Chromium ${perS(med(inWorker.verifyConcurrent))} with a frame's ` +
  `checks in flight at once (${perS(med(inWorker.verifySequential))} awaited one by one), in Node ` +
  `${perS(med(concurrent))} (${perS(med(sequential))}). At the worker's rate the Ed25519 checks are ` +
  `${num(edShare(inWorker.frameChecks, VERIFY_BATCH, med(inWorker.ingest)))} % of the ingest time of the ${VERIFY_BATCH}-version ` +
  `frame (${inWorker.frameChecks} batches) and ${num(edShare(inWorker.s1Checks, S1_WRITES, med(inWorker.s1Signed)))} % of ` +
  "scenario 1's (batches of about 20 versions); the rest is hashing, decoding and the merge: " +
  `the ${VERIFY_BATCH}-version frame ingested at ${perS(med(inWorker.ingest))} in the worker and ${perS(med(ingest))} in Node ` +
  `(unsigned ${perS(med(inWorker.plain))} and ${perS(med(plainIngest))}); scenario 1's 10k writes (50 authors, ` +
  `${inWorker.s1Checks} author batches) at ${perS(med(inWorker.s1Signed))} in the worker, ${num(med(workerShare))} % of ` +
  'their unsigned decode + merge there. The floor (docs/security.md, "What remains"): a leaf and about one interior node ' +
  'of SHA-256 per version (~1.5 µs a hash, ~0.65 µs of it the calls into the WebAssembly module), the garbage collector, ' +
  "the binary leaf form, decoding and each version's own path; next steps there: a SHA-256 entry point for many leaves " +
  'per call, batch records keyed by root instead of a path per version, a leaf produced by the decoder as it reads.';
const workerNote =
  `Worker rows ("worker: …"): ${inWorker.userAgent.replace(/^.*(HeadlessChrome\/[0-9.]+).*$/, '$1')}, ` +
  'bench/browser/s13-verify-worker.ts in a dedicated module worker started by bench/browser/s13-verify-page.ts ' +
  '(bench/lib/bench-page.ts serves it on 127.0.0.1, a secure context): the production WebCrypto adapter ' +
  '(src/adapters/identity/webcrypto-verifier.ts) on distinct 96-B messages, and the ingest rows through ' +
  'bench/lib/signed.ts, the same code as the Node rows (decodeVersions, VersionVerifier.verifyBatch, ' +
  `EntityStore.apply), SHA-256 on WebAssembly there too; medians of ${RUNS} runs after a warm-up, in one worker, each ingest figure over ${workerReq.repeats} rounds a run (the Node rows time one round a run, in Node ${process.versions.node}'s V8: compare signed with unsigned within each, the worker's pairs with each other).`;

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
    choiceNote,
    workerNote,
    `Feed: scenario 2's position updates (position + velocity sharing one clock, ${SENSORS} sensors), each author's ` +
      'versions in a frame signed as one batch with real non-extractable Ed25519 keys (signedBatch, ' +
      'src/node/security/sign-writes.ts: a Merkle root over the versions, src/core/signing/merkle.ts), encoded in wire ' +
      'format 3 (a batch table: author, leaf count, signature once per batch, and a multiproof for a subset). Byte counts ' +
      'are exact (median over frames). The per-version rows sign versionSigningBytes one by one, as versions stored ' +
      'before batch signing are.',
    'Ingest rows: what a node does with a received frame (docs/security.md, "Signed versions on ingest"): decodeVersions, ' +
      'VersionVerifier.verifyBatch (leaf hashes over the binary leaf form, src/core/signing/leaf-form.ts, the multiproof up to the root, one Ed25519 check per new root, each ' +
      'version given its own path), EntityStore.apply of those accepted; medians of runs after a warm-up, Node WebCrypto ' +
      'through src/adapters/identity/webcrypto-verifier.ts. "Relayed copies" is the same frame again with its roots ' +
      'remembered (VerifiedRoots): SHA-256 only.',
    `Per link, not per version (sync protocol ${SYNC_PROTOCOL_VERSION}): each side's hello carries its 32-B key and a ` +
      `${HANDSHAKE_NONCE_BYTES}-B nonce (${helloBytes} B), and each side answers the other's nonce with a signed proof of ` +
      `${proofBytes} B: one Ed25519 signature and one verification per side per link, none of it in the rows above.`,
    'SHA-256 on WebAssembly (2026-12-04; src/core/signing/sha256.ts: hash-wasm 4.13.0, awaited by the worker ' +
      'before it opens the node, and by this benchmark; @noble/hashes in JavaScript until it is compiled). Measured ' +
      'before it was taken, on the inputs the tree hashes (19:21 UTC, load average 1.5–2.3): a binary leaf (0x00 and ' +
      '79 B) 1.47–1.55 µs against 2.42–2.68 µs in JavaScript, an interior node (65 B) 1.46–1.76 µs against ' +
      '2.63–3.10 µs; in bulk a block costs 404 ns against 763 ns, so about 0.65 µs of each WebAssembly hash is the ' +
      'calls around the blocks (init, update, digest; hash-wasm has no entry point hashing several inputs per call). ' +
      'Also cut per version: the leaf hashed from the buffer it is written into, an interior node from one reused ' +
      'input, each path read straight from the levels of the whole tree, and the content cache no longer asking ' +
      "each digest for its buffer (which moved a digest's bytes off the V8 heap). Back to back at similar load " +
      '(bench/profile-s13.ts 2000 40, the ingest row alone, before and after alternately, 19:59 UTC, load average ' +
      '4.3–4.6): 53.2k, 54.6k, 60.6k/s before (median 54.6k/s), 54.0k, 75.5k, 72.3k/s after (median 72.3k/s, ' +
      '+32 %); 300 rounds each under --cpu-prof (20:00 UTC, load ~3.5): 60.7k → 79.7k/s (+31 %). The full run ' +
      'before the change (19:36 UTC) met a load average of 11.8 (14.6 a minute before): ingest 11.3k/s ' +
      '(7.1k–21.6k) against 55.4k/s unsigned (20 %); the table (19:59 UTC, load 3.8): 48.8k/s against 163k/s ' +
      'unsigned (30 %). Scenario 1 in the same session, quick sweep, at 10k writes end to end: 49.1k/s at ' +
      'load 13.3 (19:38 UTC) before the change, 331k/s (293k–335k) at load 2.6 (20:14 UTC) after it (scenario 1 does not hash): signed ingest of new versions is about 15 % of it.',
    'Where the time goes now (ingest of the 2,000 new versions alone, `node --cpu-prof` over 300 runs of ' +
      'bench/profile-s13.ts, 2026-12-04 20:00 UTC at load ~3.5, summarised by bench/lib/cpu-profile-top.ts, functions grouped by what they do; ' +
      "shares of the ingest's own time, module loading left out; before the change in brackets): SHA-256 25 % " +
      '(36 %): the WebAssembly blocks 15.5 % and the JavaScript calls around them 9.8 %, for a leaf of two ' +
      'blocks and about one interior node of two blocks per version; the garbage collector 13.6 % (10 %); the ' +
      'binary leaf form 13.0 % (8.5 %); decoding 12.8 % (9.5 %); giving each version its own path 8.8 % ' +
      '(4.9 %: a 288-byte path is allocated outside the V8 heap, several times the cost of a 32-byte array); ' +
      "the verifier's own bookkeeping 6.5 % (9.4 %); the content cache 5.8 % (7.8 %); the one Ed25519 check " +
      'per batch 4.2 %; the tree 2.3 % (4.4 %); the merge 1.5 %. The target (325k/s, about 3 µs a version on ' +
      'this machine) stays missed: the two hashes a version costs take about 3 µs alone at the measured ' +
      'per-call cost, and the unsigned decode and merge of the same frame runs at about half the target. ' +
      'Next steps (docs/security.md, "What remains"): a hash entry point for many leaves per call, batch ' +
      'records instead of a path per version, a leaf written by the decoder as it reads.',

    "Paths as shared hashes, and the leaf form in one pass (2026-12-06). A verified version's path " +
      "(src/core/signing/merkle.ts MerklePath, leaf-proof.ts) is now the list of the batch tree's own sibling " +
      'hashes, the arrays the walk already computed, shared by the versions of the batch, instead of a 288-byte ' +
      'copy per version allocated outside the V8 heap (in a microbenchmark of 11-hash paths: 1,000 ns per copied ' +
      'path with its garbage collection, 90 ns per list of references); storage writes the same bytes ' +
      '(encodeStoredProof writes the hashes one after the other), the wire is unchanged, and every check is as ' +
      'before (a lone path is checked hash by hash, before any Ed25519 check). The binary leaf form copies an ' +
      "ASCII string as it checks it and writes an object's member count after the members (one pass of keyed " +
      'loads instead of two): the same bytes, 886 → 705 ns per position update (leaf form alone, one process, ' +
      'old and new alternated, medians of 400 rounds of 2,000, the SHA-256 of it another ~1,030 ns). Measured ' +
      'against main, bench/profile-s13.ts (2,000 new versions in 5 author batches, decode + verify + merge), ' +
      'load average 1.8–4.6 all along, so read the spread: three pairs of profiles under `node --cpu-prof`, 300 ' +
      'rounds each, functions grouped by file (18:12/18:36 UTC with the path change alone, then 19:12 and 19:13 ' +
      'UTC with both, the last run new first): the whole run took 4.62, 4.18, 5.10 s before and 4.06, 4.13, 3.58 ' +
      's after (13.9 → 11.8 s in all, −15 %), their ingest 157.8k → 165.3k, 172.6k → 177.4k, 151.2k → 199.9k/s; ' +
      'the path 374, 347, 430 ms → 2, 2, 5 ms; the leaf form 514, 502, 629 ms → 442, 407 ms with its cut; the ' +
      "garbage collector swung from run to run (525, 477, 721 ms before, 326, 823, 235 ms after: the tree's " +
      'interior nodes now live as long as the versions naming them). Rates, old and new alternated: both builds ' +
      'in one process, rounds alternated (the heap shared), medians 181.7k → 195.7k/s (+8 %, the path alone, 300 ' +
      'rounds each) and 165.1k → 185.7k/s (+12 %, both cuts, 225 rounds each); separate processes ' +
      '(bench/profile-s13.ts 2000 200), medians of 3 or 5: 131.8k → 149.4k/s (+13 %, the path, load 3.6–4.0), ' +
      '168.1k → 170.9k/s (+2 %, the path, load 2.6–3.1), 172.8k → 174.3k/s (+1 %, both cuts, load 2.2–2.5). So ' +
      'about 1 µs of CPU less per version, of which the rate keeps between nothing and an eighth depending on ' +
      "the garbage collector's turn. Memory: 20 frames of 2,000 verified versions held cost 765 B a version " +
      'before and 810 B after (+45 B: the shared interior nodes stay with the versions that name them; a version ' +
      'outliving the rest of its batch keeps at most its 16 path hashes, never the tree). Not cut: the ' +
      "JavaScript around each hash. hash-wasm 4.13.0's hasher offers init, update, digest, save and load only: " +
      'init is one call into the module and is already reused, update makes two typed-array views per call and ' +
      'digest copies the 32 bytes out; its one-call entry (Hash_Calculate) is reached only through the ' +
      'asynchronous sha256(), which answers a hex string in a promise, and the module interface is not exported; ' +
      'so several leaves per call would need a SHA-256 module of our own (not taken, docs/security.md). Where ' +
      "the time goes now (the 19:13 profile after both cuts, shares of the ingest's time, module loading left " +
      'out): SHA-256 35.1 % (the WebAssembly blocks 22.9 %, the JavaScript around them 12.2 %), the binary leaf ' +
      'form 11.4 %, waiting for the Ed25519 checks in the thread pool 7.8 % and their JavaScript 4.8 %, decoding ' +
      '7.8 %, the merge 7.8 %, the garbage collector 6.6 % (up to 20 % in other runs), the content cache 6.4 %, ' +
      "the verifier's bookkeeping 5.9 %, the tree 3.7 %. The target (325k/s, about 3 µs a version) stays missed: " +
      'at 175k–200k/s a version takes 5–6 µs, a third of it the two hashes.',

    'Ed25519 checks started as each root is known; SHA-256 libraries compared (2026-12-06, evening). The ' +
      'WebCrypto adapter (src/adapters/identity/webcrypto-verifier.ts) awaited its cached key import before ' +
      'calling verify, so each check reached WebCrypto a microtask after the call: the verifier hashes a ' +
      "frame's author batches in one synchronous pass and asks for each root's check as it goes, but every " +
      'check of the frame started only once the whole frame was hashed, and the thread then waited for them ' +
      "all. A key already imported is now used within the call, so a batch's check runs in WebCrypto's " +
      "threads while the next batch is hashed, and the earlier batches' bookkeeping runs while the last " +
      'check is answered. The same checks, bytes and wire; ' +
      'test/unit/adapters/identity/webcrypto-verifier.test.ts (fails on the old adapter: no check started ' +
      'before the first await). Measured against main, old and new alternated in fresh processes ' +
      "(21:18–21:26 UTC, load average 1.7–6.3). The ingest split (decode, the verifier's synchronous pass, " +
      'what follows it until the outcome, the merge; medians of 150 rounds a process, 7 processes each): ' +
      'after the pass 1.97 → 1.10 ms, the pass itself 4.75 → 5.26 ms (the Ed25519 work now shares the two ' +
      'cores with the hashing), the verifier in all 6.71 → 6.35 ms, a round 8.12 → 7.78 ms (246k → 257k/s, ' +
      "+4 %; the median of the seven pairs' ratios −9 % time). bench/profile-s13.ts 2000 200 (mean of 150 " +
      'rounds, 5 pairs, load 3–6): 165.5k → 137.8k/s, the spread (119.9k–198.4k/s) larger than any change, ' +
      "so no figure from it. The table's bench three times each, alternated: Node ingest 107.7k, 74.1k, " +
      '84.3k → 100.4k, 96.3k, 93.1k/s (medians 84.3k → 96.3k/s, +14 %); worker ingest of the 2000 versions ' +
      "291k, 181k, 207k → 271k, 286k, 195k/s (207k → 271k/s); the worker's scenario 1 signed (500 author " +
      'batches, where the checks weigh most) 108.8k, 82.2k, 79.3k → 117.5k, 102.1k, 84.4k/s (82.2k → ' +
      '102.1k/s, +24 %); unsigned rows, the same code in both, 1.67M, 1.20M, 1.06M → 1.61M, 1.49M, 1.12M/s ' +
      'in the worker (the table above is the last new run). SHA-256 libraries on our two inputs (a leaf, ' +
      '0x00 and 79 B, and an interior node, 65 B, alternated; ns a hash, medians of 12 rounds of 40,000, ' +
      'Node 20.20.2, one process, 20:47–20:52 UTC): hash-wasm 4.13.0 as used (one reused hasher) 851–893; ' +
      'sha256-uint8array 0.12.1 (JavaScript) 958; @chainsafe/as-sha256 1.2.5 (AssemblyScript WebAssembly, ' +
      'one call a hash) 1,101 without SIMD and 1,188 with; @noble/hashes 2.4.0 with one reused state ' +
      "(sha256.ts's fallback) 1,359, as sha256() 1,880; fast-sha256 1.3.0 2,579; @stablelib/sha256 2.0.1 " +
      '2,877. In bulk two blocks cost 394 ns in hash-wasm and 901 ns in as-sha256, and 1,101 ns in ' +
      "sha256-uint8array in a noisier run where hash-wasm's whole hash took 1,397 ns: a JavaScript engine " +
      "spends more on the blocks alone than hash-wasm on the whole hash, and as-sha256's one call does not " +
      'make up for its slower blocks (its 64-byte entry points do not fit our 65-byte nodes, whose first ' +
      'byte keeps a node from passing for a leaf). So hash-wasm stays; of its ~0.45 µs of calls a hash, the ' +
      "module's own init and padding are part. Hashes per new version on this path: two (its leaf, which is " +
      'also its content digest for the cache, and about one interior node); the sync index hashes a third ' +
      'time after the merge (the reconciliation id, over the key and the JSON content text), which could be ' +
      'derived from the content digest with a sync protocol change (docs/security.md, "What remains"; not ' +
      'done). Allocation, measured with a young generation large enough for none to be collected: decode ' +
      '~600 B a version, the leaf hash ~740 B, the tree ~455 B per version, decode + verify ~2,700 B, ' +
      'decode + merge unsigned ~960 B: each hash-wasm call leaves two typed-array views and its 32-byte ' +
      'copy behind. Where the time goes now (a profile of the new build, `node --cpu-prof`, 300 rounds of ' +
      'bench/profile-s13.ts at 21:28 UTC, load 2.5, 221.6k/s; the whole run with its setup, idle time and ' +
      'module loading left out): SHA-256 34.2 % (the WebAssembly 24.2 %, the JavaScript around it 10.0 %), ' +
      'the leaf form 10.9 %, the garbage collector 9.7 %, the JavaScript of the Ed25519 checks and key ' +
      "handling 9.3 %, the merge 8.1 %, decoding 7.6 %, the content cache 6.8 %, the verifier's bookkeeping " +
      '6.6 %, the tree 2.6 %; idle 696 ms against 984 ms in a profile of main at 20:49 UTC (load 4.8, too ' +
      "far from this one's to compare the rest). The target (325k/s, about 3 µs a version) stays missed: in " +
      "Node a version still takes about 4 µs at the round medians above, 5–10 µs at the table's means; in " +
      'the worker the 2000-version frame reaches 195k–286k/s.',
    "Stores and verifiers kept across the forced GC, 2026-12-07 12:26 UTC (quick sweep, load average 2.3 at start). Each round made fresh stores and verifiers and dropped them before the forced GC of each timed step of the next round (bench/lib/measure.ts's gc()), which a node never does (it holds its store and its verifier for its whole life): with none alive V8 could drop their hidden classes and deoptimize the ingest built on them. A full (not quick) run with node --trace-deopt showed reason \"weak objects\" on the store (put, apply, applySoleAuthor, merge, shapeOf, fits, alloc, the columns' inColumns), on the verifier (verify, admit, checkGroup, settle) and in Node's WebCrypto (next, SafeIterator, normalizeAlgorithm, eddsaSignVerify): 105 in all; with this change (12:38 UTC) 54, none of them the store's or the verifier's: all in Node's WebCrypto and its event plumbing (next, SafeIterator, normalizeAlgorithm, eddsaSignVerify), which no change here reaches. Each round now keeps the last round's stores and verifiers until it has made its own (`held` in this script); what is timed is unchanged (a fresh store and verifier for each step). Node ingest of the 500 new versions, quick sweeps, the code before and after: 66k (11:48 UTC, load 2.6) → 118k/s (this run), and alternated in fresh processes (12:22–12:24 UTC, load 2.2–2.6, 3 pairs) 136k / 97k / 97k → 116k / 101k / 105k/s; relayed copies 128k / 85k / 104k → 157k / 114k / 134k/s; the unsigned ingest 153k / 436k / 431k → 395k / 451k / 435k/s. A quick step is 500 versions (a few ms), so the spread is wide; at the pairs' medians ingest moved by about 1.1× and relayed copies by 1.3×, neither beyond the noise. The target (325k/s) stays missed.",
  ],
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s13: saved');
