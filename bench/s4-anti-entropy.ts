import * as Automerge from '@automerge/automerge';
import * as Y from 'yjs';
import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import {
  encodeMessage,
  HANDSHAKE_NONCE_BYTES,
  MessageType,
  SIGNATURE_BYTES,
  SYNC_PROTOCOL_VERSION,
} from '../src/core/sync';
import { encodeVersions } from '../src/core/wire';
import { QUICK, gc, log, machine } from './lib/measure';
import { distinctVersions, measureAntiEntropy, type AntiEntropyResult } from './lib/mesh-sim';
import { automergeChanges, yjsUpdates } from './lib/peers';
import { fakeNodeId, prng, randInt } from './lib/prng';
import type { Row, Stat } from './lib/result';
import { saveResult } from './lib/save';
import { exact } from './lib/stats';
import { AUTHORS, BATCH, T0, batches, nodeIds, valueFor } from './lib/workload';

/**
 * Scenario 4 (docs/performance.md): anti-entropy between two nodes holding N component versions, in
 * sync, 1 % divergent after a partition (the newest 1 % missing on one side) and 1 % random.
 * Ours: two real LatticeNode + MeshNode on the in-memory network (bench/lib/mesh-sim.ts,
 * measureAntiEntropy), every frame counted. Beside it, on the same versions: Yjs state-vector
 * sync and Automerge's sync protocol between two documents with the same map contents.
 * Byte counts are exact and the workload is seeded, so each figure is measured once.
 */
const startedAt = new Date();
const SIZES = QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000];
/** Automerge 3.5 needs ~0.3 ms per object write to produce the changes and more to apply them (see the notes). */
const AUTOMERGE_MAX = 10_000;
const FRACTION = 0.01;
const PEERS = ['Yjs', 'Automerge'];
const rows: Row[] = [];
const notes: string[] = [];
const k = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const KIB = 1024;
const IN_SYNC_TARGET = { text: '≤ 400 B', value: 400 };
const ONE_RT = { text: '1', value: 1 };
const RT_TARGET = { text: '≤ 3', value: 3 };
const RECENT_TARGET = { text: '≤ 8 KiB', value: 8 * KIB };
const RANDOM_TARGET = { text: '≤ 64 KiB', value: 64 * KIB };
type Divergence = 'recent' | 'random';
type Lacking = 'initiator' | 'responder';

/** Indices of the versions one side lacks: the same choice as measureAntiEntropy makes. */
function missingOf(n: number, divergence: Divergence): Set<number> {
  const count = Math.round(n * FRACTION);
  const out = new Set<number>();
  if (divergence === 'recent') for (let i = n - count; i < n; i++) out.add(i);
  const rand = prng(99);
  while (divergence === 'random' && out.size < count) out.add(randInt(rand, n));
  return out;
}

/** What one peer's sync moved: total bytes both ways, messages, round trips, and its own encoding of the missing writes. */
interface PeerSync {
  readonly bytes: number;
  readonly messages: number;
  readonly roundTrips: number;
  readonly payload: number;
}

/**
 * The peers' documents are built from the same versions: one document per author (the 50 authors
 * of distinctVersions), key `<entity>/<kind>` (bench/lib/peers.ts), each author's writes of a
 * batch of 1,000 in one transaction/change; the missing writes come last, in their own batch, so
 * the lacking document is the full one minus that batch.
 */
interface Built {
  readonly batchList: Version[][];
  readonly authorOf: number[];
  /** Number of leading batches the lacking side holds. */
  readonly held: number;
}

function build(all: readonly Version[], missing: ReadonlySet<number>): Built {
  const authorIndex = new Map(nodeIds(AUTHORS, 1).map((id, i) => [id as string, i]));
  const common = all.filter((_, i) => !missing.has(i));
  const late = all.filter((_, i) => missing.has(i));
  const batchList = batches(common, BATCH);
  const held = batchList.length;
  if (late.length > 0) batchList.push(late);
  const authorOf = batchList.flat().map((v) => authorIndex.get(v.ts.node)!);
  return { batchList, authorOf, held };
}

/** y-protocols frames each sync message as a varuint type and a varuint length before the payload. */
const yFramed = (payload: Uint8Array): number => 1 + varintLength(payload.length) + payload.length;
const varintLength = (x: number): number => (x < 0x80 ? 1 : x < 0x4000 ? 2 : x < 0x200000 ? 3 : 4);

function yDoc(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** Both sides send sync step 1 (their state vector) at once and answer with step 2 (the update the other lacks). */
function yjsSync(a: Y.Doc, b: Y.Doc, expectedKeys: number): { bytes: number; messages: number; roundTrips: number } {
  const svA = Y.encodeStateVector(a);
  const svB = Y.encodeStateVector(b);
  const toB = Y.encodeStateAsUpdate(a, svB);
  const toA = Y.encodeStateAsUpdate(b, svA);
  Y.applyUpdate(a, toA);
  Y.applyUpdate(b, toB);
  if (a.getMap('c').size !== expectedKeys || b.getMap('c').size !== expectedKeys)
    throw new Error(`Yjs did not converge: ${a.getMap('c').size} / ${b.getMap('c').size} keys`);
  return { bytes: yFramed(svA) + yFramed(svB) + yFramed(toA) + yFramed(toB), messages: 4, roundTrips: 1 };
}

/**
 * Automerge's sync protocol with both sides generating at once: each flight, both call
 * generateSyncMessage, then each receives what the other sent; until both return null.
 */
function automergeSync(
  a: Automerge.Doc<unknown>,
  b: Automerge.Doc<unknown>,
): { bytes: number; messages: number; roundTrips: number } {
  let sa = Automerge.initSyncState();
  let sb = Automerge.initSyncState();
  let bytes = 0;
  let messages = 0;
  let flights = 0;
  for (;;) {
    let ma: Uint8Array | null;
    let mb: Uint8Array | null;
    [sa, ma] = Automerge.generateSyncMessage(a, sa);
    [sb, mb] = Automerge.generateSyncMessage(b, sb);
    if (ma === null && mb === null) break;
    if (++flights > 50) throw new Error('Automerge sync did not finish in 50 flights');
    for (const m of [ma, mb]) {
      if (m === null) continue;
      bytes += m.length;
      messages += 1;
    }
    if (ma !== null) [b, sb] = Automerge.receiveSyncMessage(b, sb, ma);
    if (mb !== null) [a, sa] = Automerge.receiveSyncMessage(a, sa, mb);
  }
  const heads = (d: Automerge.Doc<unknown>): string => [...Automerge.getHeads(d)].sort().join();
  if (heads(a) !== heads(b)) throw new Error('Automerge did not converge');
  Automerge.free(a);
  Automerge.free(b);
  return { bytes, messages, roundTrips: Math.ceil(flights / 2) };
}

interface PeerDocs {
  readonly yFull: Uint8Array;
  readonly yLacking: Uint8Array;
  /** The missing writes alone as one Yjs update. */
  readonly yPayload: number;
  readonly amFull?: Automerge.Doc<unknown>;
  readonly amLacking?: Automerge.Doc<unknown>;
  readonly amPayload?: number;
  readonly amBuildMs?: number;
}

function peerDocs(b: Built, withAutomerge: boolean): PeerDocs {
  const y = yjsUpdates(b.batchList, b.authorOf, AUTHORS).v1;
  const full = new Y.Doc();
  const lacking = new Y.Doc();
  y.forEach((us, i) =>
    us.forEach((u) => {
      Y.applyUpdate(full, u);
      if (i < b.held) Y.applyUpdate(lacking, u);
    }),
  );
  const out: PeerDocs = {
    yFull: Y.encodeStateAsUpdate(full),
    yLacking: Y.encodeStateAsUpdate(lacking),
    yPayload: b.held < y.length ? Y.mergeUpdates(y[b.held]!).length : 0,
  };
  full.destroy();
  lacking.destroy();
  if (!withAutomerge) return out;
  const t0 = performance.now();
  const am = automergeChanges(b.batchList, b.authorOf, AUTHORS);
  const [amFull] = Automerge.applyChanges(Automerge.init<unknown>(), am.flat());
  const [amLacking] = Automerge.applyChanges(Automerge.init<unknown>(), am.slice(0, b.held).flat());
  const amPayload = am
    .slice(b.held)
    .flat()
    .reduce((s, c) => s + c.length, 0);
  return { ...out, amFull, amLacking, amPayload, amBuildMs: performance.now() - t0 };
}

/** The peers' sync with one side lacking (the initiator is side a; both open at once, so it is symmetric). */
function peerSync(d: PeerDocs, lacking: Lacking | 'none', keys: number): Record<string, PeerSync | null> {
  const lackingA = lacking === 'initiator';
  const yA = yDoc(lackingA ? d.yLacking : d.yFull);
  const yB = yDoc(lacking === 'responder' ? d.yLacking : d.yFull);
  const payloadY = lacking === 'none' ? 0 : d.yPayload;
  const out: Record<string, PeerSync | null> = { Yjs: { ...yjsSync(yA, yB, keys), payload: payloadY } };
  yA.destroy();
  yB.destroy();
  if (d.amFull === undefined || d.amLacking === undefined) {
    out.Automerge = null;
    return out;
  }
  const amA = Automerge.clone(lackingA ? d.amLacking : d.amFull);
  const amB = Automerge.clone(lacking === 'responder' ? d.amLacking : d.amFull);
  out.Automerge = { ...automergeSync(amA, amB), payload: lacking === 'none' ? 0 : d.amPayload! };
  return out;
}

const peerStats = (
  p: Record<string, PeerSync | null>,
  f: (s: PeerSync) => number,
): Readonly<Record<string, Stat | null>> =>
  Object.fromEntries(
    PEERS.map((name) => {
      const s = p[name];
      return [name, s ? exact(f(s)) : null];
    }),
  );

const ourTotal = (r: AntiEntropyResult): number => r.reconcileBytes + r.wantBytes + r.versionsBytes;

/**
 * Yjs with history: the same final contents after one earlier write of every position and velocity
 * component, made 500 writes before the final one by the same author (so the final write
 * overwrites it causally and the contents stay those of the other rows).
 */
function yjsWithHistory(all: readonly Version[]): { inSync: number; deleteSet: number } {
  const OFFSET = 500;
  const rand = prng(17);
  const authorIndex = new Map(nodeIds(AUTHORS, 1).map((id, i) => [id as string, i]));
  const writes: Version[] = [];
  const authorOf: number[] = [];
  all.forEach((v, i) => {
    writes.push(v);
    authorOf.push(authorIndex.get(v.ts.node)!);
    const later = all[i + OFFSET];
    if (later === undefined || (later.kind !== 'position' && later.kind !== 'velocity')) return;
    const a = authorIndex.get(later.ts.node)!;
    const e = Math.floor((i + OFFSET) / 5);
    writes.push({ ...later, value: valueFor(later.kind, e, i, a, rand), ts: { ...later.ts, ms: T0 + i } });
    authorOf.push(a);
  });
  const y = yjsUpdates(batches(writes, BATCH), authorOf, AUTHORS).v1;
  const a = new Y.Doc();
  for (const us of y) for (const u of us) Y.applyUpdate(a, u);
  const map = a.getMap('c');
  for (let i = 0; i < all.length; i += 97) {
    const v = all[i]!;
    if (JSON.stringify(map.get(`${v.entity}/${v.kind}`)) !== JSON.stringify(v.value))
      throw new Error(`Yjs history: ${v.entity}/${v.kind} does not hold the final value`);
  }
  const b = yDoc(Y.encodeStateAsUpdate(a));
  const deleteSet = Y.encodeStateAsUpdate(a, Y.encodeStateVector(a)).length;
  const inSync = yjsSync(a, b, all.length).bytes;
  a.destroy();
  b.destroy();
  return { inSync, deleteSet };
}

const helloBytes = encodeMessage({
  type: MessageType.Hello,
  protocol: SYNC_PROTOCOL_VERSION,
  node: fakeNodeId(prng(3)) as NodeId,
  lattice: 'bench',
  time: T0,
  items: 100_000,
  newest: T0,
  key: new Uint8Array(32),
  nonce: new Uint8Array(HANDSHAKE_NONCE_BYTES),
}).length;
const proofBytes = encodeMessage({ type: MessageType.Proof, sig: new Uint8Array(SIGNATURE_BYTES) }).length;

const amBuildNotes: string[] = [];
for (const n of SIZES) {
  const withAutomerge = n <= AUTOMERGE_MAX;
  const all = distinctVersions(n);
  const c = `${k(n)} versions`;

  // (a) in sync.
  log(`s4: ${c}: in sync`);
  const recentMissing = missingOf(n, 'recent');
  const recentBuilt = build(all, recentMissing);
  const recentDocs = peerDocs(recentBuilt, withAutomerge);
  if (recentDocs.amBuildMs !== undefined) amBuildNotes.push(`${(recentDocs.amBuildMs / 1000).toFixed(1)} s at ${k(n)}`);
  {
    const ours = await measureAntiEntropy(n, 'none', 'initiator');
    const peers = peerSync(recentDocs, 'none', n);
    rows.push(
      {
        case: `${c}, (a) in sync: bytes both ways`,
        unit: 'B',
        better: 'lower',
        ours: exact(ourTotal(ours)),
        peers: peerStats(peers, (p) => p.bytes),
        target: IN_SYNC_TARGET,
      },
      {
        case: `${c}, (a) in sync: round trips`,
        unit: 'RT',
        better: 'lower',
        ours: exact(ours.roundTrips),
        peers: peerStats(peers, (p) => p.roundTrips),
        target: ONE_RT,
      },
    );
  }
  {
    log(`s4: ${c}: Yjs in sync with history`);
    const h = yjsWithHistory(all);
    rows.push({
      case: `${c}, (a) in sync, Yjs documents with one earlier write of every position and velocity: bytes both ways`,
      unit: 'B',
      better: 'lower',
      peers: { Yjs: exact(h.inSync), Automerge: null },
      target: IN_SYNC_TARGET,
      note: `Yjs delete set ${h.deleteSet.toLocaleString('en-US')} B, sent each way; ours keeps no superseded versions: same as (a)`,
    });
  }

  for (const divergence of ['recent', 'random'] as const) {
    const missing = divergence === 'recent' ? recentMissing : missingOf(n, divergence);
    const docs = divergence === 'recent' ? recentDocs : peerDocs(build(all, missing), withAutomerge);
    const payload = encodeVersions(all.filter((_, i) => missing.has(i))).length;
    const label = divergence === 'recent' ? '(b) newest 1 % missing' : '(c) random 1 % missing';
    const target = divergence === 'recent' ? RECENT_TARGET : RANDOM_TARGET;
    for (const lacking of ['initiator', 'responder'] as const) {
      log(`s4: ${c}: ${divergence}, ${lacking} lacks`);
      const ours = await measureAntiEntropy(n, divergence, lacking);
      if (ours.payloadBytes !== payload || ours.missing !== missing.size)
        throw new Error(`s4: measureAntiEntropy chose other versions than this scenario (${ours.payloadBytes} B)`);
      const peers = peerSync(docs, lacking, n);
      const cc = `${c}, ${label}, ${lacking} lacks`;
      rows.push(
        {
          case: `${cc}: bytes both ways`,
          unit: 'B',
          better: 'lower',
          ours: exact(ourTotal(ours)),
          peers: peerStats(peers, (p) => p.bytes),
        },
        {
          case: `${cc}: bytes beyond the missing writes' own payload`,
          unit: 'B',
          better: 'lower',
          ours: exact(ours.overheadBytes),
          peers: peerStats(peers, (p) => p.bytes - p.payload),
          target,
          note: `reconcile ${ours.reconcileBytes.toLocaleString('en-US')} B, want ${ours.wantBytes.toLocaleString('en-US')} B, versions ${ours.versionsBytes.toLocaleString('en-US')} B`,
        },
        {
          case: `${cc}: round trips`,
          unit: 'RT',
          better: 'lower',
          ours: exact(ours.roundTrips),
          peers: peerStats(peers, (p) => p.roundTrips),
          target: RT_TARGET,
        },
      );
    }
    rows.push({
      case: `${c}, ${label}: the ${missing.size.toLocaleString('en-US')} missing writes alone (each one's own encoding)`,
      unit: 'B',
      better: 'lower',
      ours: exact(payload),
      peers: {
        Yjs: exact(docs.yPayload),
        Automerge: docs.amPayload === undefined ? null : exact(docs.amPayload),
      },
    });
    if (docs !== recentDocs) for (const d of [docs.amFull, docs.amLacking]) if (d) Automerge.free(d);
  }
  for (const d of [recentDocs.amFull, recentDocs.amLacking]) if (d) Automerge.free(d);
  gc();
}

notes.push(
  'Byte counts are exact and the workload is seeded (bench/lib/mesh-sim.ts distinctVersions: N distinct component ' +
    'versions of N/5 entities × 5 kinds by 50 authors, 1 ms apart), so every figure is one deterministic measurement ' +
    '(runs = 1). "Newest 1 %" = the last 1 % written, as after a partition; "random 1 %" = a seeded random 1 %.',
  'Ours: two LatticeNode + MeshNode on the in-memory network (measureAntiEntropy), one anti-entropy round from ' +
    'connect; bytes both ways = `reconcile` + `want` + `versions` frames, whole frames (type byte, session, lengths). ' +
    `Hellos and pings are left out as the peers have none; a new link adds two hellos of ~${helloBytes} B and two proofs of ${proofBytes} B, a ` +
    'periodic round on an open link none. Round trips = reconcile exchanges (open/next answered by reply) plus one ' +
    'if `want` was needed; the versions a responder pushes after the last reply are not a round trip. "Beyond the ' +
    "payload\" = bytes both ways minus the missing versions encoded as one batch (the row 'the missing writes alone').",
  'Versions are signed (each carries its 64-B Ed25519 signature, docs/security.md), so the missing writes alone are ' +
    '~74–78 B per version where they were ~10–14 B before signatures; the bytes beyond them did not change, except ' +
    'that repair frames now keep to the session\'s repairFrameBytes (64 KiB, docs/budgeter.md "Repair frames"): the ' +
    '1,000 missing signed versions of the 100k rows (~74 KB) go as two frames, each with its own id tables, which ' +
    'costs ~1.8 KB more than one batch (newest 1 %, responder lacks: 4,126 B beyond the payload, was 2,329 B).',
  `Ours speaks sync protocol ${SYNC_PROTOCOL_VERSION}, whose reconcile payloads are reconciler protocol 2 ` +
    "(src/core/reconcile/README.md): fingerprints carry their range's count; the " +
    'responder sends the versions the initiator lacks ahead of its reply, which only counts them (Pushed), so the ' +
    'newest 1 % costs no ids and no want when the responder finds it; a sparse difference (counts differing by at ' +
    'most 1/8 of the range) is decoded by the initiator from rateless IBLT coded symbols of 21 B (L. Yang, Y. Gilad, ' +
    'M. Alizadeh, "Practical Rateless Set Reconciliation", SIGCOMM 2024), ~1.6 per difference plus 8, checked ' +
    'against the range fingerprint: the random 1 % settles in the first reply, and the initiator then wants what it ' +
    'lacks (16 B per id) or pushes what the peer lacks. Protocol 1 (range splitting only, ids listed) needed 20.7 KB ' +
    'beyond the payload for the newest 1 % initiator-lacking and 74–93 KB in 5–6 round trips for the random 1 %.',
  'Yjs 13.6 (state-vector sync as in y-protocols): both sides send step 1 (encodeStateVector) at once and answer ' +
    'with step 2 (encodeStateAsUpdate(doc, remote state vector)): 4 messages, 1 round trip, each counted with the ' +
    "y-protocols framing (type + length varints). Its payload = the missing writes' updates merged (Y.mergeUpdates). " +
    'Step 2 always carries the whole delete set: the documents of the other rows never overwrite a key, so their ' +
    'delete set is empty; the "with one earlier write" row builds the same final contents after an earlier write of ' +
    'every position and velocity component (2 of 5 kinds, ~40 % of keys; real tracks overwrite them far more often) ' +
    'and shows the delete set resent in sync.',
  'Automerge 3.5: `initSyncState`, then `generateSyncMessage` on both sides at once and `receiveSyncMessage` of ' +
    'what the other sent, until both return null; round trips = flights / 2, rounded up. Its payload = the missing ' +
    "changes' bytes. Each sync starts from a fresh sync state (a new connection), so each side's first message " +
    'carries its heads (a 32-byte hash per head, one head per author here: 1,600 B) and a Bloom filter of every ' +
    'change, most of the in-sync figure; a sync state kept from an earlier session (`encodeSyncState`) would spare ' +
    'the filter. Its bytes vary by a few KiB from run to run (some runs take one more flight): change hashes include ' +
    "each change's wall-clock time (bench/lib/peers.ts does not fix it), so different Bloom-filter false positives " +
    'occur. ' +
    `Run at ${SIZES.filter((n) => n <= AUTOMERGE_MAX)
      .map(k)
      .join(' and ')} versions only: building its two documents (changes, then applying them) took ` +
    `${amBuildNotes.join(', ')} in this run; the scenario-1 measurements show applying slowing down as the ` +
    'document grows, so 100k would take minutes per case.',
  "Peers cannot lack an arbitrary 1 % of writes: a Yjs state vector and Automerge's change graph are causal per " +
    "author, so a document missing a write misses every later write of that author. In the peers' documents the " +
    "missing writes are therefore each author's last ones (its own final transaction/change): the same keys, values " +
    'and count, in the only shape a peer can be missing them, which is their best case for the random 1 %. For the ' +
    'newest 1 % the order is the real one. Both peers open the sync from both sides at once, so who lacks does not ' +
    'change their figures.',
);

await saveResult({
  id: 's4',
  scenario: 4,
  title: 'anti-entropy bytes and round trips',
  target:
    "≤ 3 round trips; bytes beyond the missing writes' own payload ≤ 8 KiB (recent 1 %) and ≤ 64 KiB (random 1 %); already-in-sync check ≤ 400 B in 1 round trip",
  reference:
    'negentropy (range-based set reconciliation, JS) on this machine kind: 33 KiB of ids for the newest 1 % of 100k, ~780 KiB for a random 1 %; Yjs state-vector sync resends its whole delete set even when in sync (docs/performance.md)',
  quick: QUICK,
  runs: 1,
  peers: PEERS,
  rows,
  notes,
  startedAt: startedAt.toISOString(),
  durationMs: Date.now() - startedAt.getTime(),
  machine: machine(),
});
log('s4: saved');
