import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
import { sha256Ready } from '../src/core/signing/sha256';
import { EntityStore } from '../src/core/store/entity-store';
import { decodeVersions, encodeVersions } from '../src/core/wire';
import { generateNodeKey, type NodeKey } from '../src/adapters/identity/node-key';
import { signerOf } from '../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../src/adapters/identity/webcrypto-verifier';
import { signedBatch } from '../src/node/security/sign-writes';
import { KeyRing, VersionVerifier } from '../src/node/security/version-verifier';
import { SENSORS, TRACKS, trackFeed } from './lib/tracks';

/**
 * Scenario 13's ingest of new versions, alone, for a CPU profile (not a scenario: it saves nothing):
 *   node --cpu-prof --cpu-prof-dir=/tmp/s13-prof --import tsx bench/profile-s13.ts [versions] [rounds]
 * then summarise it with bench/lib/cpu-profile-top.ts. The feed and the path are those of
 * bench/s13-signatures.ts ("ingest: decode + verify + merge"): each author's versions signed as one
 * batch, one frame decoded, verified by a fresh VersionVerifier (one Ed25519 check per author
 * batch) and merged into a fresh EntityStore.
 */
const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 80);
await sha256Ready;
const keys: NodeKey[] = await Promise.all(Array.from({ length: SENSORS }, (_, i) => generateNodeKey(i)));
const feed = trackFeed(TRACKS + n);
const idOf = new Map<NodeId, NodeId>(feed.nodes.map((node, i) => [node, keys[i]!.nodeId]));
const plain: Version[] = feed.updates
  .slice(TRACKS)
  .flat()
  .slice(0, n)
  .map((v) => ({ ...v, ts: { ...v.ts, node: idOf.get(v.ts.node)! } }));
const keyOf = new Map<NodeId, NodeKey>(keys.map((k) => [k.nodeId, k]));
const byAuthor = new Map<NodeId, Version[]>();
for (const v of plain) {
  const list = byAuthor.get(v.ts.node);
  if (list === undefined) byAuthor.set(v.ts.node, [v]);
  else list.push(v);
}
const signed: Version[] = [];
for (const [author, list] of byAuthor) signed.push(...(await signedBatch(signerOf(keyOf.get(author)!), author, list)));
const wire = encodeVersions(signed);
const crypto = webCryptoVerifier();
let ms = 0;
for (let r = 0; r < rounds; r++) {
  const ring = new KeyRing(crypto);
  for (const k of keys) await ring.learn(k.publicKey);
  const verifier = new VersionVerifier('0'.repeat(32) as NodeId, crypto, ring);
  const t0 = performance.now();
  const store = new EntityStore();
  const received = await verifier.verifyBatch(decodeVersions(wire));
  for (const v of received.accepted) store.apply(v);
  const t1 = performance.now();
  if (received.accepted.length !== signed.length) throw new Error('the feed did not verify');
  if (r >= rounds / 4) ms += t1 - t0;
}
const timed = rounds - Math.ceil(rounds / 4);
console.log(`${n} signed versions: decode + verify + merge ${((n * timed) / ms).toFixed(1)}k/s`);
