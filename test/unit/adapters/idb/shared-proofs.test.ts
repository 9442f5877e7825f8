/**
 * Stored proofs that lean on the previous put's (leaf-proof.ts SHARED_PROOF): the leaves of one
 * signed batch stored one after another keep only what differs from the proof before them, and
 * every proof read back (a load, a compaction) is the one written, hash for hash, whatever puts
 * around it were removed.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage } from '../../../../src/adapters/idb';
import { encodeSegments } from '../../../../src/adapters/idb/encode';
import type { Segment } from '../../../../src/adapters/idb/format';
import { replaySegments } from '../../../../src/adapters/idb/replay';
import type { ComponentKind, EntityId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import { SHARED_PROOF, SHARED_RUN, StoredProofWalk, type LeafProof } from '../../../../src/core/signing/leaf-proof';
import { storedSignature } from '../../support/stored-signature';
import { signedBatch } from '../../../../src/node/security/sign-writes';
import { versionKey } from '../../../../src/ports/storage';
import { webCryptoVerifier } from '../../../../src/adapters/identity/webcrypto-verifier';
import { MeshSecurity } from '../../../../src/node/security/mesh-security';
import { openTestNode } from '../../support/test-node';
import { seededParams, syncSigner, testIdentity } from '../../support/test-keys';

const author = testIdentity('shared-proofs');
const signer = syncSigner(author);
const params = seededParams('shared-proofs', 40);

/** Versions of `count` entities by the test author, position updates stamped `ms`. */
function versions(count: number, ms: number, tag = ''): Version[] {
  return Array.from({ length: count }, (_, i) => ({
    entity: `${tag}e${i.toString()}` as EntityId,
    kind: 'position' as ComponentKind,
    value: { lat: 50 + i * 1e-4, lon: 8 + ms * 1e-9 },
    ts: { ms, c: 0, node: author.id },
    seen: [],
  }));
}

/** What a stored version must come back as: its key, value and proof, the hashes as plain arrays. */
function fingerprint(v: Version): unknown {
  const p = v.proof as LeafProof | undefined;
  return {
    key: versionKey(v),
    value: v.value,
    sig: v.sig === undefined ? null : [...v.sig],
    proof:
      p === undefined
        ? null
        : { form: p.form, count: p.count, index: p.index, sig: [...p.sig], path: p.path.map((h) => [...h]) },
  };
}

const sorted = (vs: readonly Version[]): unknown[] =>
  vs.map(fingerprint).sort((a, b) => ((a as { key: string }).key < (b as { key: string }).key ? -1 : 1));

describe('stored proofs shared with the previous put', () => {
  it('store a batch in a fraction of the bytes of whole proofs, and read back every proof as signed', async () => {
    const batch = await signedBatch(signer, author.id, versions(4000, 1_700_000_000_000));
    const whole = batch.reduce((n, v) => n + storedSignature(v)!.length, 0);
    const segments = encodeSegments(batch, []);
    const stored = segments.reduce((n, s) => n + s.g.length, 0);
    // 12 hashes and the signature a version whole (~450 B); about two hashes shared.
    expect(stored).toBeLessThan(whole / 4);
    expect(
      segments.flatMap((s) => [...s.g.subarray(s.gl[0]!, s.gl[0]! + 1)]).every((b) => (b & SHARED_PROOF) !== 0),
    ).toBe(true);
    expect(sorted(replaySegments(segments).versions)).toEqual(sorted(batch));
  });

  it('read back as copies for a load and as views of the record for a compaction, the same hashes either way', async () => {
    const batch = await signedBatch(signer, author.id, versions(300, 1_700_000_000_000));
    const [seg] = encodeSegments(batch, []);
    const copies = new StoredProofWalk(seg!.g, seg!.gl);
    const views = new StoredProofWalk(seg!.g, seg!.gl, true);
    for (let i = 0; i < batch.length; i++) {
      const a = copies.next(true);
      const b = views.next(true);
      if (a === undefined || b === undefined || !('proof' in a) || !('proof' in b))
        throw new Error(`put ${i}: no proof`);
      const want = batch[i]!.proof as LeafProof;
      for (const p of [a.proof, b.proof]) {
        expect([...p.sig]).toEqual([...want.sig]);
        expect(p.path.map((h) => [...h])).toEqual(want.path.map((h) => [...h]));
      }
      // A load keeps what it reads: nothing of it pins the record's buffer. A compaction writes it
      // again at once: no ArrayBuffer of its own per hash.
      for (const h of [a.proof.sig, ...a.proof.path]) expect(h.buffer).not.toBe(seg!.g.buffer);
      for (const h of [b.proof.sig, ...b.proof.path]) expect(h.buffer).toBe(seg!.g.buffer);
    }
  });

  it('read back as written whatever is removed around them and however batches, signatures and unsigned puts interleave', async () => {
    const batches = [
      await signedBatch(signer, author.id, versions(37, 1_700_000_000_000, 'a')),
      await signedBatch(signer, author.id, versions(64, 1_700_000_000_001, 'b')),
      await signedBatch(signer, author.id, versions(5, 1_700_000_000_002, 'c')),
    ];
    const unsigned = versions(6, 1_700_000_000_003, 'u');
    const signedOne = (await signedBatch(signer, author.id, versions(3, 1_700_000_000_004, 's'))).map(
      ({ proof: _proof, ...v }) => ({ ...v, sig: new Uint8Array(64).fill(v.entity.length) }) as Version,
    );
    const pool = [...batches.flat(), ...unsigned, ...signedOne];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(pool, { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: pool.length, maxLength: pool.length }),
        fc.integer({ min: 1, max: 40 }),
        async (put, removed, size) => {
          // Runs of one batch in leaf order stay together now and then, as a commit writes them.
          const order = [...put].sort((a, b) => {
            const pa = a.proof as LeafProof | undefined;
            const pb = b.proof as LeafProof | undefined;
            return pa !== undefined && pb !== undefined && pa.sig === pb.sig ? pa.index - pb.index : 0;
          });
          const gone = order.filter((_, i) => removed[i]);
          const segments = [...encodeSegments(order, [], size), ...encodeSegments([], gone.map(versionKey))];
          const live = order.filter((_, i) => !removed[i]);
          expect(sorted(replaySegments(segments).versions)).toEqual(sorted(live));
        },
      ),
      params('interleaved'),
    );
  });

  it('lose to one damaged byte only the puts that lean on it, up to the next whole proof', async () => {
    const batch = await signedBatch(signer, author.id, versions(300, 1_700_000_000_000));
    const [segment] = encodeSegments(batch, []);
    const seg = segment!;
    const damaged = 100;
    let at = 0;
    for (let i = 0; i < damaged; i++) at += seg.gl[i]!;
    seg.g[at + 1] = 0xff; // its leaf index: a varint that does not end where it should
    const { versions: loaded, setAside } = replaySegments([seg]);
    // The damaged put, and those after it up to the next whole proof (one every SHARED_RUN).
    const lost = SHARED_RUN - (damaged % SHARED_RUN);
    expect(setAside).toBe(lost);
    const kept = batch.filter((_, i) => i < damaged || i >= damaged + lost);
    expect(sorted(loaded)).toEqual(sorted(kept));
  });

  it('survive compaction when the puts they lean on are removed', async () => {
    const name = `shared-proofs-${Date.now().toString(36)}`;
    const manual = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;
    const batch = await signedBatch(signer, author.id, versions(300, 1_700_000_000_000));
    const storage = await openIdbStorage(name, { compaction: manual });
    try {
      await storage.commit({ put: batch, remove: [] });
      // Every third put goes: the ones after them leaned on them.
      const gone = batch.filter((_, i) => i % 3 === 0);
      await storage.commit({ put: [], remove: gone.map(versionKey) });
      const live = batch.filter((_, i) => i % 3 !== 0);
      expect(sorted(await storage.loadVersions())).toEqual(sorted(live));
      await storage.compact();
      await storage.close();
      const again = await openIdbStorage(name, { compaction: manual });
      expect(sorted(await again.loadVersions())).toEqual(sorted(live));
      await again.close();
    } finally {
      await deleteIdbStorage(name);
    }
  });

  it('set aside a damaged shared proof through compaction, never read leaning on another batch', async () => {
    const name = `shared-proofs-damaged-${Date.now().toString(36)}`;
    const manual = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;
    // One record: batch B (16 leaves, paths of 4 hashes), then batch A (4 leaves, paths of 2).
    const b = await signedBatch(signer, author.id, versions(16, 1_700_000_000_000, 'b'));
    const a = await signedBatch(signer, author.id, versions(4, 1_700_000_000_001, 'a'));
    const storage = await openIdbStorage(name, { compaction: manual });
    try {
      await storage.commit({ put: [...b, ...a], remove: [] });
      await storage.close();
      // A[1]'s proof leans on A[0]'s and takes 1 hash from it: `0x80|form, index 1, m 1, one hash`.
      // Damaged to m = 3, more than A[0]'s path holds, it does not decode; after B[15]'s proof
      // (4 hashes, count 16) it would, as a proof of A[1] under B's signature.
      const db = await openDB(name);
      const [key] = await db.getAllKeys('log');
      const seg = (await db.get('log', key!)) as Segment;
      expect(seg.n).toBe(20);
      let at = 0;
      for (let i = 0; i < 17; i++) at += seg.gl[i]!;
      expect([seg.g[at]! & SHARED_PROOF, seg.g[at + 1], seg.g[at + 2], seg.gl[17]]).toEqual([SHARED_PROOF, 1, 1, 35]);
      seg.g[at + 2] = 3;
      await db.put('log', seg, key!);
      db.close();

      const damaged = await openIdbStorage(name, { compaction: manual });
      // A[1] and the proofs after it that lean on it (A[2], A[3]) are set aside.
      expect(sorted(await damaged.loadVersions())).toEqual(sorted([...b, a[0]!]));
      expect(damaged.setAside).toBe(3);
      // A[0] goes: in the compacted record A[1] follows B[15].
      await damaged.commit({ put: [], remove: [versionKey(a[0]!)] });
      await damaged.compact();
      await damaged.close();
      const again = await openIdbStorage(name, { compaction: manual });
      expect(sorted(await again.loadVersions())).toEqual(sorted(b));
      expect(again.setAside).toBe(3);
      await again.close();
    } finally {
      await deleteIdbStorage(name);
    }
  });

  it('a schema-5 database of whole proofs opens, compacts and reads back every proof byte for byte', async () => {
    const name = `shared-proofs-v5-${Date.now().toString(36)}`;
    const manual = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;
    const batch = await signedBatch(signer, author.id, versions(200, 1_700_000_000_000));
    // As schema 5 stored a commit: today's columns, but every proof whole (storedSignature), one after another.
    const [shaped] = encodeSegments(batch, []);
    const whole = batch.map((v) => storedSignature(v)!);
    const g = new Uint8Array(whole.reduce((n, w) => n + w.length, 0));
    whole.reduce((at, w) => (g.set(w, at), at + w.length), 0);
    const v5 = await openDB(name, 5, {
      upgrade(db) {
        db.createObjectStore('meta');
        db.createObjectStore('log', { autoIncrement: true });
        db.createObjectStore('state');
        db.createObjectStore('entities');
        db.createObjectStore('held');
        db.createObjectStore('urgent', { autoIncrement: true });
      },
    });
    await v5.add('log', { ...shaped!, g, gl: Int32Array.from(whole, (w) => w.length) });
    v5.close();

    const storage = await openIdbStorage(name, { compaction: manual });
    try {
      expect(sorted(await storage.loadVersions())).toEqual(sorted(batch));
      expect(storage.setAside).toBe(0);
      const gone = batch.filter((_, i) => i % 2 === 0);
      await storage.commit({ put: [], remove: gone.map(versionKey) });
      await storage.compact();
      await storage.close();
      const db = await openDB(name);
      const records = (await db.getAll('log')) as Segment[];
      const shape = [db.version, records.length];
      db.close();
      expect(shape).toEqual([6, 1]);
      // Written again as shared proofs: the second leans on the first.
      expect(records[0]!.g[records[0]!.gl[0]!]! & SHARED_PROOF).toBe(SHARED_PROOF);
      const again = await openIdbStorage(name, { compaction: manual });
      const live = batch.filter((_, i) => i % 2 === 1);
      const loaded = await again.loadVersions();
      expect(sorted(loaded)).toEqual(sorted(live));
      // Byte for byte: each proof read back stores as the one signed did.
      const stored = new Map(loaded.map((v) => [versionKey(v), [...storedSignature(v)!]]));
      expect(live.every((v) => stored.get(versionKey(v))?.join() === [...storedSignature(v)!].join())).toBe(true);
      expect(again.setAside).toBe(0);
      await again.close();
    } finally {
      await storage.close();
      await deleteIdbStorage(name);
    }
  });
});

describe('a flipped hash byte in a stored shared part', () => {
  it('is caught by the check of the stored proofs on open: every proof leaning on it set aside and counted, none held to serve', async () => {
    const name = `shared-proofs-flipped-${Date.now().toString(36)}`;
    const me = testIdentity('shared-proofs-node');
    // A peer's batch of 300 (paths of 9 hashes), stored in one record: whole proofs at puts 0, 64, 128, …
    const positions = versions(300, 1_700_000_000_000).map((v, i) => ({ ...v, value: { lat: 50 + i * 1e-4, lon: 8 } }));
    const batch = await signedBatch(signer, author.id, positions);
    const storage = await openIdbStorage(name);
    await storage.commit({ put: batch, remove: [] });
    await storage.close();
    // Put 64's whole proof: its top hash (the sibling of leaves 0–255, its path's last) is the one
    // puts 65…127 take from it (SHARED_PROOF); one of its bytes flipped on disk.
    const db = await openDB(name);
    const [key] = await db.getAllKeys('log');
    const seg = (await db.get('log', key!)) as Segment;
    let at = 0;
    for (let i = 0; i <= SHARED_RUN; i++) at += seg.gl[i]!;
    expect(seg.g[at - seg.gl[SHARED_RUN]!]! & SHARED_PROOF).toBe(0);
    seg.g[at - 5]! ^= 0x01;
    await db.put('log', seg, key!);
    db.close();
    // The storage reads it as well formed: the proofs of puts 64…127 lean on the flipped byte.
    const read = await openIdbStorage(name);
    const loaded = await read.loadVersions();
    expect([loaded.length, read.setAside]).toEqual([300, 0]);
    await read.close();

    const security = await MeshSecurity.create({
      self: me.id,
      publicKey: me.publicKey,
      crypto: webCryptoVerifier(),
      signer: me.signer,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      now: () => 1_700_000_000_000,
      stored: [author.publicKey],
    });
    const logs: string[] = [];
    const node = await openTestNode({
      identity: me,
      storage: await openIdbStorage(name),
      backend: 'indexeddb',
      now: () => 1_700_000_000_000,
      log: (m) => logs.push(m),
      checkStored: (vs) => security.verifier.checkStored(vs),
    });
    try {
      await node.storedChecked();
      const stats = await node.stats();
      expect(stats.rejected['damaged-in-storage']).toBe(SHARED_RUN);
      expect(stats.storage.setAside).toBe(SHARED_RUN);
      // What the mesh serves (node.versions()): the 236 others, every proof verifying for a peer.
      const held = [...node.versions()];
      const damaged = new Set(batch.slice(SHARED_RUN, 2 * SHARED_RUN).map(versionKey));
      expect(held.map(versionKey).sort()).toEqual(
        batch
          .map(versionKey)
          .filter((k) => !damaged.has(k))
          .sort(),
      );
      const peerCheck = await MeshSecurity.create({
        self: me.id,
        publicKey: me.publicKey,
        crypto: webCryptoVerifier(),
        signer: me.signer,
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
        now: () => 1_700_000_000_000,
        stored: [author.publicKey],
      });
      const { problems, unjudged } = await peerCheck.verifier.checkStored(held);
      expect([problems.filter((p) => p !== undefined).length, unjudged]).toEqual([0, 0]);
      // Anti-entropy brings the intact copies back, and the next open sets nothing aside.
      expect(node.applyRemote(batch.slice(SHARED_RUN, 2 * SHARED_RUN))).toHaveLength(SHARED_RUN);
      await node.flushed();
    } finally {
      await node.close();
    }
    const again = await openTestNode({
      identity: me,
      storage: await openIdbStorage(name),
      backend: 'indexeddb',
      now: () => 1_700_000_000_000,
      checkStored: (vs) => security.verifier.checkStored(vs),
    });
    await again.storedChecked();
    expect([[...again.versions()].length, (await again.stats()).storage.setAside ?? 0]).toEqual([300, 0]);
    await again.close();
    await deleteIdbStorage(name);
  });
});
