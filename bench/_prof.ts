import { decodeVersions, encodeVersions } from '../src/core/wire';
import { trackFeed, TRACKS, SENSORS } from './lib/tracks';
import { generateNodeKey } from '../src/adapters/identity/node-key';
import { signerOf } from '../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../src/adapters/identity/webcrypto-verifier';
import { signedBatch } from '../src/node/security/sign-writes';
import { KeyRing, VersionVerifier } from '../src/node/security/version-verifier';
import { EntityStore } from '../src/core/store/entity-store';
import type { NodeId } from '../src/core/ids';
import type { Version } from '../src/core/merge/version';
const keys = await Promise.all(Array.from({ length: SENSORS }, (_, i) => generateNodeKey(i)));
const feed = trackFeed(TRACKS + 2000);
const idOf = new Map<NodeId, NodeId>(feed.nodes.map((n, i) => [n, keys[i]!.nodeId]));
const items = feed.updates.slice(TRACKS).flat().slice(0, 2000).map((v) => ({ ...v, ts: { ...v.ts, node: idOf.get(v.ts.node)! } }));
const form = Number(process.env.FORM ?? 2) as 1 | 2;
const byA = new Map<NodeId, Version[]>();
for (const v of items) { const l = byA.get(v.ts.node) ?? []; l.push(v); byA.set(v.ts.node, l); }
const signed: Version[] = [];
for (const [a, l] of byA) signed.push(...(await signedBatch(signerOf(keys.find((k) => k.nodeId === a)!), a, l, form)));
const wire = encodeVersions(signed);
const plain = encodeVersions(items);
const crypto = webCryptoVerifier();
const rates: number[] = []; const plainRates: number[] = []; const relay: number[] = [];
for (let r = 0; r < Number(process.env.R ?? 12); r++) {
  const ring = new KeyRing(crypto); for (const k of keys) await ring.learn(k.publicKey);
  const ver = new VersionVerifier('0'.repeat(32) as NodeId, crypto, ring);
  let t0 = performance.now();
  const s = new EntityStore(); if (!process.env.ONLY) for (const v of decodeVersions(plain)) s.apply(v);
  plainRates.push(2000 / (performance.now() - t0) * 1000);
  t0 = performance.now();
  const st = new EntityStore(); const out = await ver.verifyBatch(decodeVersions(wire)); for (const v of out.accepted) st.apply(v);
  rates.push(2000 / (performance.now() - t0) * 1000);
  if (out.accepted.length !== 2000) throw new Error('not verified');
  t0 = performance.now();
  const st2 = new EntityStore(); if (!process.env.ONLY) { const out2 = await ver.verifyBatch(decodeVersions(wire)); for (const v of out2.accepted) st2.apply(v); }
  relay.push(2000 / (performance.now() - t0) * 1000);
}
const med = (x: number[]) => Math.round([...x].sort((a, b) => a - b)[x.length >> 1]!);
console.log(`form ${form}: ingest ${med(rates)}/s relayed ${med(relay)}/s unsigned ${med(plainRates)}/s`);
