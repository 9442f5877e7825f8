/**
 * Issue 8, "the storage format change migrates an existing database": a node opens a database
 * written with an older segment encoding. The bytes are built here by hand, as the old code wrote
 * them, not with today's encoder:
 *
 * - schema version 2, log format 2 (abcf850), before batch signing (b11e237): a signed put's bytes
 *   in the signature column are its per-version Ed25519 signature, 64 bytes;
 * - after batch signing, before the binary leaf form (ab0811d): a stored proof whose first byte is
 *   the constant 1, i.e. leaf form 1, text leaves (src/core/signing/leaf-proof.ts, encodeStoredProof);
 * - schema version 1 (4604fee): store 'segments', one string per version and column (segment-v1.ts).
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage } from '../../../src/adapters/idb';
import { LatticeNode } from '../../../src/node/lattice-node';
import type { StoragePort } from '../../../src/ports/storage';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const MANUAL = { growth: 1e9, minEntries: 1e15, maxSegments: 1e9 } as const;

async function open(storage: StoragePort): Promise<LatticeNode> {
  return openTestNode({
    storage,
    backend: 'indexeddb',
    now: () => T0,
  });
}

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

/** A per-version signature, as stored before batch signing. */
const OLD_SIG = bytes(64, 7);
/** A leaf-form-1 stored proof: form 1, count 2, index 0, the batch's signature, one 32-byte sibling hash. */
const FORM1_PROOF = Uint8Array.from([1, 2, 0, ...bytes(64, 9), ...bytes(32, 5)]);

/**
 * Log format 2 as first written: dictionary `d`; `u` per put entity, kind, author (dictionary
 * indexes) and counter, column by column, then per `seen` entry its put, counter and node, then
 * per removal entity, kind, author, counter; `f` the puts' ms, the seen entries' ms, the removals' ms.
 */
function formatTwoSegment(): object {
  // Words: 0 'a', 1 'b', 2 'c', 3 'position', 4 'threat', 5 'W', 6 'P', 7 'gone'
  const d = ['a', 'b', 'c', 'position', 'threat', 'W', 'P', 'gone'].join('\n');
  const n = 4;
  const puts = [
    // entity, kind, author, counter, ms
    [0, 3, 5, 0, T0 - 30], // a.position by W, unsigned
    [1, 4, 5, 1, T0 - 20], // b.threat by W, per-version signature
    [2, 3, 6, 0, T0 - 10], // c.position by P, form-1 proof; its context saw a's version
    [7, 4, 5, 0, T0 - 40], // gone.threat, removed by this very segment
  ] as const;
  const seen = [[2, 0, 5, T0 - 30]] as const; // put 2 saw W's T0 - 30
  const removals = [[7, 4, 5, 0, T0 - 40]] as const;
  const u: number[] = [];
  for (let col = 0; col < 4; col++) for (const p of puts) u.push(p[col]!);
  for (let col = 0; col < 3; col++) for (const s of seen) u.push(s[col]!);
  for (let col = 0; col < 4; col++) for (const r of removals) u.push(r[col]!);
  return {
    n,
    r: removals.length,
    d,
    u: Uint32Array.from(u),
    f: Float64Array.from([...puts.map((p) => p[4]), ...seen.map((s) => s[3]), ...removals.map((r) => r[4])]),
    v: JSON.stringify([{ lat: 1, lon: 2 }, { level: 'LOW' }, { lat: 3, lon: 4 }, { level: 'MEDIUM' }]),
    g: Uint8Array.from([...OLD_SIG, ...FORM1_PROOF]),
    gl: Int32Array.from([-1, 64, FORM1_PROOF.length, -1]),
  };
}

describe('a database written with an older segment encoding', () => {
  it('format 2 with per-version signatures and leaf-form-1 proofs opens as it was, and its signatures and proofs read back as they were after compaction', async () => {
    const name = 'old-encoding-1';
    const v2 = await openDB(name, 2, {
      upgrade(db) {
        db.createObjectStore('meta');
        db.createObjectStore('log', { autoIncrement: true });
        db.createObjectStore('state');
      },
    });
    await v2.add('log', formatTwoSegment());
    v2.close();

    const check = async (node: LatticeNode, ids: readonly string[]): Promise<void> => {
      const stats = await node.stats();
      expect(stats.storage.setAside ?? 0).toBe(0);
      expect(stats.rejected['damaged-in-storage'] ?? 0).toBe(0);
      expect((await node.list()).map((e) => e.id).sort()).toEqual(ids);
      expect((await node.get('c'))?.components.position).toEqual({ lat: 3, lon: 4 });
      const byEntity = new Map([...node.versions()].map((v) => [v.entity as string, v]));
      expect(byEntity.get('a')?.sig).toBeUndefined();
      expect(byEntity.get('a')?.proof).toBeUndefined();
      expect(byEntity.get('b')?.sig).toEqual(OLD_SIG);
      const proof = byEntity.get('c')?.proof;
      expect(proof).toMatchObject({ kind: 'path', form: 1, count: 2, index: 0 });
      expect(proof?.kind === 'path' ? [proof.sig, proof.path] : []).toEqual([bytes(64, 9), [bytes(32, 5)]]);
      expect(byEntity.get('c')?.seen).toEqual([{ ms: T0 - 30, c: 0, node: 'W' }]);
    };
    const storage = await openIdbStorage(name, { compaction: MANUAL });
    const node = await open(storage);
    await check(node, ['a', 'b', 'c']);
    // A write in today's format beside the old one, then the whole log rewritten by compaction:
    // the old records' signatures and proofs (decoded and written again) read back as they were.
    await node.create({ id: 'new', components: { threat: { level: 'LOW' } } });
    await storage.compact();
    await node.close();
    const db = await openDB(name);
    // A literal, not DB_VERSION: an accidental bump of the schema fails here.
    expect(db.version).toBe(6);
    db.close();
    const again = await open(await openIdbStorage(name, { compaction: MANUAL }));
    await check(again, ['a', 'b', 'c', 'new']);
    expect((await again.get('new'))?.components.threat).toEqual({ level: 'LOW' });
    await again.close();
    await deleteIdbStorage(name);
  });

  it('schema version 1 opens in the node, validated like any stored version', async () => {
    const name = 'old-encoding-2';
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('segments', { autoIncrement: true });
        db.createObjectStore('meta');
      },
    });
    // Per put: versionKey, entity, kind, ms, counter, node; values and contexts as JSON texts.
    await v1.add('segments', {
      key: ['k-a', 'k-b', 'k-bad'],
      e: ['a', 'b', 'bad'],
      k: ['position', 'threat', 'position'],
      ms: Float64Array.from([T0 - 30, T0 - 20, T0 - 10]),
      c: Uint32Array.from([0, 0, 0]),
      n: ['W', 'W', 'W'],
      v: JSON.stringify([{ lat: 1, lon: 2 }, { level: 'HIGH' }, { lat: 500, lon: 0 }]),
      s: JSON.stringify([0, [T0 - 30, 0, 'W'], 0]),
      g: Uint8Array.from(OLD_SIG),
      gl: Int32Array.from([-1, 64, -1]),
      rm: [],
    });
    v1.close();
    const node = await open(await openIdbStorage(name));
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['a', 'b']);
    expect((await node.stats()).rejected['damaged-in-storage']).toBe(1);
    const b = [...node.versions()].find((v) => v.entity === 'b');
    expect(b?.sig).toEqual(OLD_SIG);
    expect(b?.seen).toEqual([{ ms: T0 - 30, c: 0, node: 'W' }]);
    await node.close();
    await deleteIdbStorage(name);
  });
});
