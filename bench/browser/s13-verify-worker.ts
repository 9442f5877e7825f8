/// <reference lib="webworker" />
/**
 * Scenario 13 in a browser worker (issue 12: "verifications per second in the worker"): Ed25519
 * verification through the production WebCrypto adapter (src/adapters/identity/webcrypto-verifier.ts),
 * and the production ingest path (decode, VersionVerifier, merge: bench/lib/signed.ts, the code
 * bench/s13-signatures.ts and bench/s1-merge-throughput.ts run in Node) on signed batches, all in
 * a dedicated worker of headless Chromium, as the node's worker runs them. Bundled by
 * bench/s13-signatures.ts (bench/lib/bench-page.ts); driven through bench/browser/s13-verify-page.ts.
 */
import type { Version } from '../../src/core/merge/version';
import { sha256Engine, sha256Ready } from '../../src/core/signing/sha256';
import { encodeVersions, IdCache } from '../../src/core/wire';
import { EntityStore } from '../../src/core/store/entity-store';
import { webCryptoVerifier } from '../../src/adapters/identity/webcrypto-verifier';
import { signerOf } from '../../src/adapters/identity/node-signer';
import { freshVerifier, ingestPlain, ingestSigned, realAuthors, reauthor, signPerAuthor } from '../lib/signed';
import { TRACKS, trackFeed } from '../lib/tracks';
import { AUTHORS, batches, nodeIds, scenario1 } from '../lib/workload';

export interface S13WorkerRequest {
  /** Signatures verified in the raw rows; versions in the scenario-13 frame. */
  readonly count: number;
  /** Writes of the scenario-1 workload ingested signed. */
  readonly s1Writes: number;
  readonly runs: number;
  /** Ingest rounds summed in a run (each a few ms). */
  readonly repeats: number;
}

export interface S13WorkerResult {
  readonly sha256: string;
  readonly userAgent: string;
  /** Per run, after a warm-up: rates per second. */
  readonly verifySequential: number[];
  readonly verifyConcurrent: number[];
  readonly ingest: number[];
  readonly plain: number[];
  readonly s1Signed: number[];
  readonly s1Plain: number[];
  /** Ed25519 checks one scenario-13 frame ingest made, and one scenario-1 ingest. */
  readonly frameChecks: number;
  readonly s1Checks: number;
}

async function run(req: S13WorkerRequest): Promise<S13WorkerResult> {
  await sha256Ready;
  const crypto = webCryptoVerifier();
  // Scenario 13's frame: the scenario-2 feed of 5 sensors, each sensor's versions one batch.
  const feed = trackFeed(TRACKS + req.count);
  const authors = await realAuthors(feed.nodes);
  const plainSample: Version[] = reauthor(feed.updates.slice(TRACKS).flat().slice(0, req.count), authors.idOf);
  const frame = encodeVersions(await signPerAuthor(plainSample, authors.keyOf));
  const plainFrame = encodeVersions(plainSample);
  // Raw Ed25519: `count` distinct messages, each signed by one of the authors' keys.
  const messages = Array.from({ length: req.count }, (_, i) => {
    const m = new Uint8Array(96);
    new DataView(m.buffer).setUint32(0, i);
    return m;
  });
  const keys = authors.keys;
  const sigs = await Promise.all(messages.map((m, i) => signerOf(keys[i % keys.length]!).sign(m)));
  // Scenario 1's workload signed: 50 authors, frames of 1,000, one batch per author a frame.
  const s1Authors = await realAuthors(nodeIds(AUTHORS));
  const s1Signed: Uint8Array[] = [];
  const s1Plain: Uint8Array[] = [];
  for (const b of batches(scenario1(req.s1Writes, 1, false).writes)) {
    const w = reauthor(b, s1Authors.idOf);
    s1Plain.push(encodeVersions(w));
    s1Signed.push(encodeVersions(await signPerAuthor(w, s1Authors.keyOf)));
  }
  const out = {
    verifySequential: [] as number[],
    verifyConcurrent: [] as number[],
    ingest: [] as number[],
    plain: [] as number[],
    s1Signed: [] as number[],
    s1Plain: [] as number[],
  };
  let frameChecks = 0;
  let s1Checks = 0;
  const rate = (n: number, ms: number): number => (n / ms) * 1000;
  for (let r = 0; r <= req.runs; r++) {
    let t0 = performance.now();
    for (let i = 0; i < messages.length; i++) {
      if (!(await crypto.verify(keys[i % keys.length]!.publicKey, messages[i]!, sigs[i]!))) throw new Error('verify');
    }
    const seqMs = performance.now() - t0;
    t0 = performance.now();
    const all = await Promise.all(messages.map((m, i) => crypto.verify(keys[i % keys.length]!.publicKey, m, sigs[i]!)));
    const conMs = performance.now() - t0;
    if (all.some((ok) => !ok)) throw new Error('verify');
    // The ingest rounds last milliseconds and a worker's clock is coarsened (0.1 ms without
    // cross-origin isolation): each run sums `repeats` rounds, each on a fresh verifier and store.
    let ingestMs = 0;
    let plainMs = 0;
    let s1SignedMs = 0;
    let s1PlainMs = 0;
    for (let i = 0; i < req.repeats; i++) {
      let verifier = await freshVerifier(keys, crypto);
      t0 = performance.now();
      const accepted = await ingestSigned([frame], verifier);
      ingestMs += performance.now() - t0;
      if (accepted !== plainSample.length) throw new Error('the frame did not verify');
      frameChecks = verifier.checked;
      t0 = performance.now();
      ingestPlain([plainFrame]);
      plainMs += performance.now() - t0;
      verifier = await freshVerifier(s1Authors.keys, crypto);
      t0 = performance.now();
      const s1Accepted = await ingestSigned(s1Signed, verifier, new EntityStore(), new IdCache());
      s1SignedMs += performance.now() - t0;
      if (s1Accepted !== req.s1Writes) throw new Error('the scenario-1 frames did not verify');
      s1Checks = verifier.checked;
      t0 = performance.now();
      ingestPlain(s1Plain, new EntityStore(), new IdCache());
      s1PlainMs += performance.now() - t0;
    }
    if (r === 0) continue; // warm-up
    out.verifySequential.push(rate(messages.length, seqMs));
    out.verifyConcurrent.push(rate(messages.length, conMs));
    out.ingest.push(rate(plainSample.length * req.repeats, ingestMs));
    out.plain.push(rate(plainSample.length * req.repeats, plainMs));
    out.s1Signed.push(rate(req.s1Writes * req.repeats, s1SignedMs));
    out.s1Plain.push(rate(req.s1Writes * req.repeats, s1PlainMs));
  }
  return { ...out, frameChecks, s1Checks, sha256: sha256Engine(), userAgent: navigator.userAgent };
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<S13WorkerRequest>) => {
  run(e.data).then(
    (result) => scope.postMessage({ result }),
    (error: unknown) =>
      scope.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
};
