/**
 * Issue 8: a damaged IndexedDB database never bricks a node. A corrupt segment, a damaged entity
 * meta and a damaged held write are set aside on open, counted in stats() and the storage status,
 * a damaged meta is rewritten from what the versions restore, and anti-entropy brings the data back.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage } from '../../../src/adapters/idb';
import type { Segment } from '../../../src/adapters/idb/format';
import type { LatticeDB } from '../../../src/adapters/idb/schema';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { LatticeNode } from '../../../src/node/lattice-node';
import type { StoragePort } from '../../../src/ports/storage';
import { webCryptoVerifier } from '../../../src/adapters/identity/webcrypto-verifier';
import { MeshSecurity } from '../../../src/node/security/mesh-security';
import { signVersion } from '../../../src/node/security/version-verifier';
import { testIdentity, type TestIdentity } from '../support/test-keys';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;

async function open(storage: StoragePort, logs: string[] = []): Promise<LatticeNode> {
  return openTestNode({
    storage,
    backend: 'indexeddb',
    now: () => T0,
    log: (m) => logs.push(m),
  });
}

function version(entity: string, kind: string, value: unknown, ms: number): Version {
  return {
    entity: entity as EntityId,
    kind: kind as ComponentKind,
    value: value as never,
    ts: { ms, c: 0, node: 'W' as NodeId },
    seen: [],
  };
}

describe('a damaged IndexedDB database', () => {
  it('opens with what is sound, reports what it set aside, and takes the data back from a peer', async () => {
    const name = 'damaged-node-1';
    const node = await open(await openIdbStorage(name));
    await node.create({ id: 'kept', components: { threat: { level: 'LOW' } } });
    // Two authors on one component: the entity needs a stored meta (entity-meta.ts).
    node.applyRemote([
      {
        entity: 'shared' as never,
        kind: 'threat' as never,
        value: { level: 'HIGH' },
        ts: { ms: T0 - 10, c: 0, node: 'peer' as NodeId },
        seen: [],
      },
    ]);
    await node.flushed();
    await node.create({ id: 'lost', components: { threat: { level: 'MEDIUM' } } });
    const lost = [...node.versions()].filter((v) => v.entity === 'lost');
    await node.close();

    const db = await openDB<LatticeDB>(name);
    const keys = await db.getAllKeys('log');
    const last = (await db.get('log', keys.at(-1)!))!;
    await db.put('log', { ...last, v: '[{"broken' }, keys.at(-1)!);
    await db.put('entities', { id: 'shared', knowledge: 'not a list' } as never, 'shared');
    await db.put('held', { key: 'k', version: { nonsense: true }, skewMs: 1, at: T0 } as never, 'k');
    db.close();

    const logs: string[] = [];
    const again = await open(await openIdbStorage(name), logs);
    const stats = await again.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(3);
    expect(stats.storage.setAside).toBe(3);
    expect((await again.list()).map((e) => e.id).sort()).toEqual(['kept', 'shared']);
    expect(logs.filter((m) => m.startsWith('set aside a damaged'))).toHaveLength(2); // the segment is the adapter's
    // The damaged meta is rewritten, the damaged held write released.
    await again.flushed();
    const check = await openDB<LatticeDB>(name);
    const meta = await check.get('entities', 'shared');
    const held = await check.getAll('held');
    check.close();
    expect(Array.isArray(meta?.knowledge)).toBe(true);
    expect(held).toEqual([]);
    // Anti-entropy (here: the versions a peer sends) brings back what the corrupt segment held.
    expect(again.applyRemote(lost)).toHaveLength(lost.length);
    expect((await again.get('lost'))?.components.threat).toEqual({ level: 'MEDIUM' });
    await again.close();
    await deleteIdbStorage(name);
  });
});

describe('damaged records that name no key', () => {
  it('are set aside and counted once, not again at every open', async () => {
    const name = 'damaged-node-5';
    const node = await open(await openIdbStorage(name));
    await node.create({ id: 'kept', components: { threat: { level: 'LOW' } } });
    await node.close();
    // An entity meta without an id and a held write without a key: the node cannot name them to
    // storage, so only the adapter, which knows their IndexedDB keys, can take them out.
    const db = await openDB<LatticeDB>(name);
    await db.put('entities', { knowledge: [] } as never, 'no-id');
    await db.put('held', { version: null, skewMs: 1, at: T0 } as never, 'no-key');
    db.close();
    for (const expected of [2, 0]) {
      const again = await open(await openIdbStorage(name));
      const stats = await again.stats();
      expect(stats.storage.setAside ?? 0).toBe(expected);
      expect(stats.rejected['damaged-in-storage'] ?? 0).toBe(expected);
      expect((await again.list()).map((e) => e.id)).toEqual(['kept']);
      await again.flushed();
      await again.close();
    }
    await deleteIdbStorage(name);
  });
});

/**
 * One segment written by hand (format.ts describes the layout), so a test can store what today's
 * encoder never writes: a put without a timestamp, a value invalid for its kind, damaged signature
 * bytes, or an older encoding.
 */
interface Put {
  readonly entity: string;
  readonly kind: string;
  readonly value: unknown;
  readonly ms: number;
  readonly c?: number;
  readonly author?: string;
  /** The signature column's bytes for this put (none: unsigned). */
  readonly sig?: Uint8Array;
}

function handSegment(puts: readonly Put[]): Segment {
  const words: string[] = [];
  const word = (w: string): number => {
    const at = words.indexOf(w);
    if (at >= 0) return at;
    words.push(w);
    return words.length - 1;
  };
  const n = puts.length;
  const u = new Uint32Array(4 * n);
  puts.forEach((p, i) => {
    u[i] = word(p.entity);
    u[n + i] = word(p.kind);
    u[2 * n + i] = word(p.author ?? 'W');
    u[3 * n + i] = p.c ?? 0;
  });
  const signed = puts.some((p) => p.sig !== undefined);
  const sigs = puts.map((p) => p.sig ?? new Uint8Array(0));
  const g = new Uint8Array(sigs.reduce((k, s) => k + s.length, 0));
  let at = 0;
  for (const s of sigs) {
    g.set(s, at);
    at += s.length;
  }
  return {
    n,
    r: 0,
    d: words.join('\n'),
    u,
    f: Float64Array.from(puts, (p) => p.ms),
    v: JSON.stringify(puts.map((p) => p.value)),
    g,
    gl: signed ? Int32Array.from(puts, (p) => (p.sig === undefined ? -1 : p.sig.length)) : new Int32Array(0),
  };
}

/** A database holding a node's sound track `kept`, then `segment` appended to its log by hand. */
/**
 * A database holding a sound 'kept' entity, then `segment`; written by `writer` (its id and signer,
 * so 'kept' is signed as a worker's writes are) or by an unsigned harness node.
 */
/** A node that signs, over IndexedDB `name`, checking its stored proofs as the worker does. */
async function openSigning(
  name: string,
  me: TestIdentity,
): Promise<{ node: LatticeNode; security: MeshSecurity; logs: string[] }> {
  const security = await MeshSecurity.create({
    self: me.id,
    publicKey: me.publicKey,
    crypto: webCryptoVerifier(),
    signer: me.signer,
    randomBytes: (n) => new Uint8Array(n),
    now: () => T0,
  });
  const logs: string[] = [];
  const node = await openTestNode({
    identity: me,
    storage: await openIdbStorage(name),
    backend: 'indexeddb',
    now: () => T0,
    log: (m) => logs.push(m),
    checkStored: (versions) => security.verifier.checkStored(versions),
  });
  return { node, security, logs };
}

async function withSegment(name: string, segment: Segment, writer?: TestIdentity): Promise<void> {
  const storage = await openIdbStorage(name);
  const node =
    writer === undefined
      ? await open(storage)
      : await openTestNode({
          identity: writer,
          storage,
          backend: 'indexeddb',
          now: () => T0,
        });
  await node.create({ id: 'kept', components: { threat: { level: 'LOW' } } });
  await node.close();
  const db = await openDB<LatticeDB>(name);
  await db.add('log', segment);
  db.close();
}

describe('damaged records inside a sound segment', () => {
  it('sets aside a put without a timestamp and a position with lat 500, keeping the rest of the segment', async () => {
    const name = 'damaged-node-2';
    await withSegment(
      name,
      handSegment([
        { entity: 'good', kind: 'position', value: { lat: 1, lon: 2 }, ms: T0 - 5 },
        { entity: 'no-time', kind: 'position', value: { lat: 3, lon: 4 }, ms: NaN },
        { entity: 'far', kind: 'position', value: { lat: 500, lon: 4 }, ms: T0 - 4 },
      ]),
    );
    const logs: string[] = [];
    const node = await open(await openIdbStorage(name), logs);
    const stats = await node.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(2);
    expect(stats.storage.setAside).toBe(2);
    expect(logs.filter((m) => m.startsWith('set aside a damaged stored version'))).toHaveLength(2);
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['good', 'kept']);
    expect(await node.get('far')).toBeUndefined();
    // Anti-entropy brings the intact versions back.
    const intact = [
      version('no-time', 'position', { lat: 3, lon: 4 }, T0 - 3),
      version('far', 'position', { lat: 50, lon: 4 }, T0 - 4),
    ];
    expect(node.applyRemote(intact)).toHaveLength(2);
    expect((await node.get('far'))?.components.position).toEqual({ lat: 50, lon: 4 });
    await node.flushed();
    await node.close();
    // Once back, they load on the next open. The intact 'far' replaced its damaged record (same
    // key); the put without a timestamp has no key a peer's version could replace: still set aside.
    const again = await open(await openIdbStorage(name));
    expect((await again.list()).map((e) => e.id).sort()).toEqual(['far', 'good', 'kept', 'no-time']);
    expect((await again.stats()).storage.setAside).toBe(1);
    expect((await again.get('far'))?.components.position).toEqual({ lat: 50, lon: 4 });
    await again.close();
    await deleteIdbStorage(name);
  });
});

describe('damaged signature bytes in a segment', () => {
  it('set aside the put they belong to, not the whole load', async () => {
    const name = 'damaged-node-3';
    // 70 bytes where a stored proof should be: no leaf form 0 exists (leaf-proof.ts decodeStoredProof).
    const junk = new Uint8Array(70);
    await withSegment(
      name,
      handSegment([
        { entity: 'good', kind: 'position', value: { lat: 1, lon: 2 }, ms: T0 - 5 },
        { entity: 'bad-sig', kind: 'position', value: { lat: 3, lon: 4 }, ms: T0 - 4, sig: junk },
      ]),
    );
    const logs: string[] = [];
    const node = await open(await openIdbStorage(name), logs);
    const stats = await node.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(1);
    expect(stats.storage.setAside).toBe(1);
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['good', 'kept']);
    // A peer's intact copy (same key) takes the damaged record's place, here and in storage.
    expect(node.applyRemote([version('bad-sig', 'position', { lat: 3, lon: 4 }, T0 - 4)])).toHaveLength(1);
    await node.flushed();
    await node.close();
    const again = await open(await openIdbStorage(name));
    expect((await again.get('bad-sig'))?.components.position).toEqual({ lat: 3, lon: 4 });
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    await again.close();
    await deleteIdbStorage(name);
  });
});

describe('64 bytes of junk where a signature belongs', () => {
  it('loads as a per-version signature, and is set aside on open because it does not verify', async () => {
    const name = 'damaged-node-junk-sig';
    const me = testIdentity('damaged-idb-me');
    const put = { entity: 'junk-sig', kind: 'position', value: { lat: 3, lon: 4 }, ms: T0 - 4, author: me.id };
    await withSegment(name, handSegment([{ ...put, sig: new Uint8Array(64).fill(0xa5) }]), me);
    const { node, security, logs } = await openSigning(name, me);
    await node.storedChecked();
    const stats = await node.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(1);
    expect(stats.storage.setAside).toBe(1);
    expect(logs.some((m) => m.includes('its signature does not verify (bad-signature)'))).toBe(true);
    expect((await node.list()).map((e) => e.id)).toEqual(['kept']);
    expect([...node.versions()].some((v) => v.entity === 'junk-sig')).toBe(false);
    // The intact version, signed by its author, takes the damaged record's place here and in storage.
    const intact = await signVersion(me.signer, {
      ...version('junk-sig', 'position', { lat: 3, lon: 4 }, T0 - 4),
      ts: { ms: T0 - 4, c: 0, node: me.id },
    });
    expect(node.applyRemote([intact])).toHaveLength(1);
    await node.flushed();
    await node.close();
    const again = await openTestNode({
      identity: me,
      storage: await openIdbStorage(name),
      backend: 'indexeddb',
      now: () => T0,
      checkStored: (versions) => security.verifier.checkStored(versions),
    });
    await again.storedChecked();
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect((await again.get('junk-sig'))?.components.position).toEqual({ lat: 3, lon: 4 });
    await again.close();
    await deleteIdbStorage(name);
  });
});

describe('a damaged priority-lane record', () => {
  it('is set aside on open and folded away, and the node keeps opening and committing', async () => {
    const name = 'damaged-node-4';
    const node = await open(await openIdbStorage(name));
    await node.create({ id: 'kept', components: { threat: { level: 'LOW' } } });
    await node.close();
    // Two records of the 'urgent' store (schema.ts UrgentRecord) damaged: one not a record at
    // all, one whose lists are not lists and whose entity meta has no id.
    const db = await openDB<LatticeDB>(name);
    await db.add('urgent', { junk: true } as never);
    await db.add('urgent', { segments: 7, meta: 'x', entities: [null], hold: {}, unhold: [1] } as never);
    db.close();

    const logs: string[] = [];
    const again = await open(await openIdbStorage(name), logs);
    expect((await again.list()).map((e) => e.id)).toEqual(['kept']);
    expect((await again.stats()).storage.setAside).toBe(2);
    // Bulk commits (which fold the priority records first) still land.
    await again.create({ id: 'after', components: { threat: { level: 'MEDIUM' } } });
    await again.flushed();
    expect((await again.stats()).storage.state).toBe('ok');
    await again.close();
    const third = await open(await openIdbStorage(name));
    expect((await third.list()).map((e) => e.id).sort()).toEqual(['after', 'kept']);
    expect((await third.stats()).storage.setAside ?? 0).toBe(0);
    await third.close();
    await deleteIdbStorage(name);
  });
});

// Attack (session 18, `attack18`): docs/security.md "Stored proofs on load" sets aside a stored
// version whose proof does not verify, because served it would be refused by every peer and charge
// our link. A record whose signature column is lost (gl read back empty: every put of the segment
// unsigned) is that same damage, but checkStored took an unsigned version as sound ("a node
// without a signer"): a node with a signer loaded it, showed it, and served it, and every peer refuses
// it as `unsigned`, a reason that charges the sending link (mesh-security.ts LINK_AT_FAULT).
describe('a signature column lost from a segment, on a node that signs', () => {
  it('sets the unsigned version aside on open instead of loading it as sound', async () => {
    const name = 'damaged-node-lost-sig';
    const me = testIdentity('damaged-idb-me');
    await withSegment(
      name,
      handSegment([{ entity: 'no-sig', kind: 'position', value: { lat: 3, lon: 4 }, ms: T0 - 4, author: me.id }]),
      me,
    );
    const { node, logs } = await openSigning(name, me);
    await node.storedChecked();
    expect([...node.versions()].some((v) => v.entity === 'no-sig')).toBe(false);
    expect(await node.get('no-sig')).toBeUndefined();
    // Counted and shown like any proof that fails; the signed 'kept' stays.
    const stats = await node.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(1);
    expect(stats.storage.setAside).toBe(1);
    expect(logs.filter((m) => m.includes('it carries no signature'))).toHaveLength(1);
    expect((await node.list()).map((e) => e.id)).toEqual(['kept']);
    // Taken out of storage too (docs/security.md "Own versions"): a peer's signed copy comes back.
    const intact = await signVersion(me.signer, {
      ...version('no-sig', 'position', { lat: 3, lon: 4 }, T0 - 4),
      ts: { ms: T0 - 4, c: 0, node: me.id },
    });
    expect(node.applyRemote([intact])).toHaveLength(1);
    expect((await node.get('no-sig'))?.components.position).toEqual({ lat: 3, lon: 4 });
    await node.close();
    await deleteIdbStorage(name);
  });
});

// docs/security.md, "Databases from before signatures", over IndexedDB: segments as a node wrote
// them before it signed (no signature column: `gl` empty) and no marker in the 'meta' store. The
// marker's key is spelled out: it is part of the stored format (stored-check.ts SIGNED_STORE_META).
describe('an IndexedDB database from before signatures', () => {
  it("opens with the node's own versions signed and durable, the others' set aside, and nothing on the next open", async () => {
    const name = 'pre-signature-node';
    const me = testIdentity('damaged-idb-me');
    let n = 0;
    const old = await openTestNode({
      nodeId: me.id,
      storage: await openIdbStorage(name),
      backend: 'indexeddb',
      now: () => T0 - 1000,
      newId: () => `own${n++}`,
    });
    await old.writeMany(Array.from({ length: 3 }, () => ({ components: { position: { lat: 1, lon: 2 } } })));
    expect(old.applyRemote([version('theirs', 'position', { lat: 5, lon: 6 }, T0 - 2000)])).toHaveLength(1);
    await old.flushed();
    await old.close();
    const db = await openDB<LatticeDB>(name);
    await db.delete('meta', 'signedStore');
    const before = await db.getAll('log');
    db.close();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((s) => s.gl.length === 0)).toBe(true);

    const { node, logs } = await openSigning(name, me);
    await node.storedChecked();
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['own0', 'own1', 'own2']);
    expect([...node.versions()].every((v) => v.proof?.kind === 'path')).toBe(true);
    expect((await node.stats()).storage.setAside).toBe(1);
    expect(logs.some((m) => m.startsWith('signed 3 own versions stored before signatures'))).toBe(true);
    // Durable when the check settles: the log holds them signed, and the marker is set.
    const after = await openDB<LatticeDB>(name);
    expect(await after.get('meta', 'signedStore')).toBe(1);
    after.close();
    await node.close();

    const again = await openSigning(name, me);
    await again.node.storedChecked();
    expect((await again.node.list()).map((e) => e.id).sort()).toEqual(['own0', 'own1', 'own2']);
    expect([...again.node.versions()].every((v) => v.proof?.kind === 'path')).toBe(true);
    expect((await again.node.stats()).storage.setAside ?? 0).toBe(0);
    expect(again.logs.some((m) => m.startsWith('signed '))).toBe(false);
    await again.node.close();
    await deleteIdbStorage(name);
  });
});
