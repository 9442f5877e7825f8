/**
 * Issue 8 (a damaged database never bricks a node), docs/security.md "Stored proofs on load": a
 * stored signature or proof is verified on open with the ingest verifier, one Ed25519 check per
 * batch signature; a version whose proof does not verify (here: 64 bytes of junk, read back as a
 * per-version signature, and a batch proof with a junk signature) is set aside like any damaged
 * record, counted, never shown nor served, and a peer's intact copy takes its place.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage, type MemoryBacking } from '../../../src/adapters/memory-storage';
import { webCryptoVerifier } from '../../../src/adapters/identity/webcrypto-verifier';
import type { ComponentKind, EntityId, NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import type { LeafProof } from '../../../src/core/signing/leaf-proof';
import { LatticeNode, NodeClosed } from '../../../src/node/lattice-node';
import { MeshSecurity } from '../../../src/node/security/mesh-security';
import { signVersion, STORED_CHECKS_IN_FLIGHT } from '../../../src/node/security/version-verifier';
import { holdKey } from '../../../src/node/skew-hold';
import { SIGNED_STORE_META, type CheckStored } from '../../../src/node/stored-check';
import { versionKey, type StorageBatch } from '../../../src/ports/storage';
import { BULK_COMMIT_VERSIONS } from '../../../src/node/write-behind';
import { compareTs } from '../../../src/core/clock/timestamp';
import { testIdentity, type TestIdentity } from '../support/test-keys';
import { storeThreats, threats } from './threat-writes';
import { openTestNode } from '../support/test-node';

const T0 = 1_700_000_000_000;
const me = testIdentity('stored-proofs-me');
const peer = testIdentity('stored-proofs-peer');
const stranger = testIdentity('stored-proofs-stranger');

async function securityOf(identity: TestIdentity, trusted: readonly Uint8Array[]): Promise<MeshSecurity> {
  return MeshSecurity.create({
    self: identity.id,
    publicKey: identity.publicKey,
    crypto: webCryptoVerifier(),
    signer: identity.signer,
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    now: () => T0,
    stored: trusted,
  });
}

/** Opens a node over `backing`, its stored proofs checked (LatticeNode.storedChecked) when `security` is given. */
async function open(backing: MemoryBacking, security?: MeshSecurity, logs: string[] = []): Promise<LatticeNode> {
  const node = await openUnchecked(backing, security, logs);
  await node.storedChecked();
  return node;
}

/**
 * Opens a node over `backing` (or over that storage) and returns before its stored proofs are
 * checked (by `check` if given).
 */
function openUnchecked(
  backing: MemoryBacking | MemoryStorage,
  security?: MeshSecurity,
  logs: string[] = [],
  check?: CheckStored,
): Promise<LatticeNode> {
  return openTestNode({
    identity: me,
    storage: backing instanceof MemoryStorage ? backing : new MemoryStorage({ backing }),
    now: () => T0,
    log: (m) => logs.push(m),
    ...(security === undefined ? {} : { checkStored: (vs: readonly Version[]) => security.verifier.checkStored(vs) }),
    ...(check === undefined ? {} : { checkStored: check }),
  });
}

/** A node as nodes were before they signed: no key, no check, on the clock `now`. */
function openUnsigned(backing: MemoryBacking, now: () => number): Promise<LatticeNode> {
  let n = 0;
  return openTestNode({
    nodeId: me.id,
    storage: new MemoryStorage({ backing }),
    now,
    newId: () => `old${n++}`,
  });
}

function remote(author: TestIdentity, entity: string, level: string, ms = T0 - 100): Promise<Version> {
  return signVersion(author.signer, {
    entity: entity as EntityId,
    kind: 'threat' as ComponentKind,
    value: { level } as never,
    ts: { ms, c: 0, node: author.id as NodeId },
    seen: [],
  });
}

/** A note `text` on `entity` signed by `author` at `ms`, naming the versions `seen`. */
function note(author: TestIdentity, entity: string, text: string, ms: number, seen: Version['seen']): Promise<Version> {
  return signVersion(author.signer, {
    entity: entity as EntityId,
    kind: 'note' as ComponentKind,
    value: { text } as never,
    ts: { ms, c: 0, node: author.id as NodeId },
    seen,
  });
}

/** A stored version's record replaced in the backing (what a damaged disk would read back). */
function damage(backing: MemoryBacking, v: Version, replace: (v: Version) => Version): void {
  const key = versionKey(v);
  expect(backing.versions.has(key)).toBe(true);
  backing.versions.set(key, replace(backing.versions.get(key)!));
}

/**
 * `count` threats `${prefix}0…` stored as one signed batch (storeThreats), then the value of `pick`
 * changed on disk to HIGH, its proof left as it was. Returns the version as it was stored.
 */
async function changedOnDisk(backing: MemoryBacking, prefix: string, count: number, pick: string): Promise<Version> {
  const stored = await storeThreats(await open(backing), prefix, count, pick);
  damage(backing, stored, (v) => ({ ...v, value: { level: 'HIGH' } as never }));
  return stored;
}

describe('stored proofs verified on open', () => {
  it('sets aside a junk 64-byte signature and a junk batch signature, counts them, and takes intact copies back', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    // One group commit: one batch signature over eight versions.
    await first.writeMany(threats('own', 8));
    const fromPeer = await remote(peer, 'theirs', 'HIGH');
    const fromStranger = await remote(stranger, 'unknown', 'MEDIUM');
    expect(first.applyRemote([fromPeer, fromStranger])).toHaveLength(2);
    await first.flushed();
    const own = [...first.versions()].find((v) => v.entity === 'own3')!;
    expect(own.proof?.kind).toBe('path');
    await first.close();

    // 64 bytes of junk where own3's proof was: read back as a per-version signature.
    damage(backing, own, ({ proof: _p, ...v }) => ({ ...v, sig: new Uint8Array(64).fill(7) }));
    // The peer's batch proof, well formed, with another signature in it.
    damage(backing, fromPeer, (v) => ({ ...v, proof: { ...(v.proof as LeafProof), sig: new Uint8Array(64).fill(9) } }));

    const security = await securityOf(me, [peer.publicKey]);
    const logs: string[] = [];
    const node = await open(backing, security, logs);
    const stats = await node.stats();
    expect(stats.rejected['damaged-in-storage']).toBe(2);
    expect(stats.storage.setAside).toBe(2);
    expect(logs.filter((m) => m.includes('its signature does not verify'))).toHaveLength(2);
    // Not shown, not served (the mesh serves node.versions(), mesh-node.ts SyncIndex).
    expect(await node.get('own3')).toBeUndefined();
    expect(await node.get('theirs')).toBeUndefined();
    const held = [...node.versions()];
    expect(held.some((v) => v.entity === 'own3' || v.entity === 'theirs')).toBe(false);
    // The seven intact own versions and the stranger's (no key on file: not judged, kept).
    expect(held.map((v) => v.entity).sort()).toEqual([
      'own0',
      'own1',
      'own2',
      'own4',
      'own5',
      'own6',
      'own7',
      'unknown',
    ]);
    expect(logs.some((m) => m.startsWith('1 stored versions load with their signatures unchecked'))).toBe(true);
    // One Ed25519 check for the own batch (seven versions), one for the junk 64 bytes, one for the peer's batch.
    expect(security.verifier.checked).toBe(3);

    // Anti-entropy brings the intact copies back (as peers that hold them send them).
    expect(node.applyRemote([own, fromPeer])).toHaveLength(2);
    expect((await node.get('own3'))?.components.threat).toEqual({ level: 'LOW' });
    expect((await node.get('theirs'))?.components.threat).toEqual({ level: 'HIGH' });
    // Our clock never goes back to the set-aside version's timestamp.
    await node.create({ id: 'after', components: { threat: { level: 'NONE' } } });
    const after = [...node.versions()].find((v) => v.entity === 'after')!;
    expect(after.ts.ms > own.ts.ms || (after.ts.ms === own.ts.ms && after.ts.c > own.ts.c)).toBe(true);
    await node.flushed();
    await node.close();

    // The intact copies replaced the damaged records (same keys): the next open sets nothing aside.
    const again = await open(backing, await securityOf(me, [peer.publicKey]));
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect([...again.versions()]).toHaveLength(11);
    await again.close();
  });

  it('costs one Ed25519 check per batch signature, however many of its versions are stored', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.writeMany(threats('t', 200));
    await first.writeMany(threats('u', 50, 'NONE'));
    await first.flushed();
    await first.close();
    const security = await securityOf(me, []);
    const node = await open(backing, security);
    expect([...node.versions()]).toHaveLength(250);
    expect((await node.stats()).storage.setAside ?? 0).toBe(0);
    expect(security.verifier.checked).toBe(2);
    await node.close();
  });

  it('sets aside only the changed version of a batch stored whole, its intact neighbours verified', async () => {
    const backing = createMemoryBacking();
    // A value changed on disk, its proof intact: the batch's tree no longer has the signed root.
    await changedOnDisk(backing, 'w', 16, 'w5');
    const security = await securityOf(me, []);
    const node = await open(backing, security);
    expect((await node.stats()).storage.setAside).toBe(1);
    expect(await node.get('w5')).toBeUndefined();
    expect([...node.versions()]).toHaveLength(15);
    // The stored paths disagree with the stored leaves' tree: each version walks its own path, to
    // the signed root (one check for fifteen) or, w5, to another (one check, which fails).
    expect(security.verifier.checked).toBe(2);
    await node.close();
  });

  it('sets aside a held write whose proof does not verify', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.close();
    // Written ten minutes ahead of our clock: held for skew, kept across the restart.
    const ahead = T0 + 600_000;
    const sound = await remote(peer, 'held-ok', 'LOW', ahead);
    const v = await remote(peer, 'held', 'HIGH', ahead);
    const junk = { ...v, proof: { ...(v.proof as LeafProof), sig: new Uint8Array(64).fill(3) } } as Version;
    backing.held.set(holdKey(sound), { key: holdKey(sound), version: sound, skewMs: 600_000, at: T0 });
    backing.held.set(holdKey(junk), { key: holdKey(junk), version: junk, skewMs: 600_000, at: T0 });
    const node = await open(backing, await securityOf(me, [peer.publicKey]));
    const stats = await node.stats();
    expect(stats.storage.setAside).toBe(1);
    expect(stats.held.map((h) => h.count)).toEqual([1]);
    await node.flushed();
    expect([...backing.held.keys()]).toEqual([holdKey(sound)]);
    await node.close();
  });
});

describe('stored proofs checked after the open', () => {
  it('shows the restored picture at once, unverified, and verified once the check has run', async () => {
    const backing = createMemoryBacking();
    const damaged = await changedOnDisk(backing, 'p', 4, 'p2');
    const node = await openUnchecked(backing, await securityOf(me, []));
    // The picture is there before the check (the damaged value too), and nothing says verified.
    const before = await node.list();
    expect(before.map((e) => e.id).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(before.every((e) => e.meta['threat']?.unverified === true)).toBe(true);
    await node.storedChecked();
    const after = await node.list();
    expect(after.map((e) => e.id).sort()).toEqual(['p0', 'p1', 'p3']);
    expect(after.some((e) => e.meta['threat']?.unverified === true)).toBe(false);
    expect((await node.stats()).storage.setAside).toBe(1);
    // The approval gate did not act on the damaged HIGH threat meanwhile (C2Pipeline idle).
    expect(await node.approvals()).toEqual([]);
    // Taken out of storage too, so the next open does not count it again; a peer's copy comes back.
    await node.flushed();
    expect(backing.versions.has(versionKey(damaged))).toBe(false);
    await node.close();
    const again = await open(backing, await securityOf(me, []));
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    await again.close();
  });

  it('merges again a stored version the restore dropped for one whose proof then fails', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.create({ id: 'm', components: { threat: { level: 'LOW' } } });
    await first.flushed();
    const older = [...first.versions()].find((v) => v.entity === 'm')!;
    await first.update('m', { threat: { level: 'MEDIUM' } });
    await first.flushed();
    const newer = [...first.versions()].find((v) => v.entity === 'm')!;
    await first.close();
    // The older version's removal lost in a crash (RestoreLeftovers), the newer one damaged on disk.
    backing.versions.set(versionKey(older), older);
    damage(backing, newer, (v) => ({ ...v, value: { level: 'HIGH' } as never }));
    const node = await openUnchecked(backing, await securityOf(me, []));
    // Before the check the damaged newer one wins, as it dropped the older one on restore.
    expect((await node.get('m'))?.components.threat).toEqual({ level: 'HIGH' });
    await node.storedChecked();
    // Then it is taken out and the older one, intact, is the picture again, in storage too.
    expect((await node.get('m'))?.components.threat).toEqual({ level: 'LOW' });
    await node.flushed();
    expect(backing.versions.has(versionKey(older))).toBe(true);
    expect(backing.versions.has(versionKey(newer))).toBe(false);
    await node.close();
  });

  it('purges nothing on an expiry whose proof is not checked yet', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.create({ id: 'x', components: { threat: { level: 'LOW' }, expiry: { at: T0 + 60_000 } } });
    await first.flushed();
    const expiry = [...first.versions()].find((v) => v.kind === 'expiry')!;
    const threat = [...first.versions()].find((v) => v.kind === 'threat')!;
    await first.close();
    // The deadline changed on disk to one that has passed: it would purge the threat. (Its time too:
    // a deadline not after its own write is set aside by the shape check, expiryRefusal.)
    damage(backing, expiry, (v) => ({ ...v, value: { at: T0 } as never, ts: { ...v.ts, ms: T0 - 1 } }));
    const node = await openUnchecked(backing, await securityOf(me, []));
    expect(await node.get('x')).toBeUndefined();
    // The worker's tick timer meanwhile deletes nothing.
    node.tick();
    await node.storedChecked();
    expect((await node.get('x'))?.components.threat).toEqual({ level: 'LOW' });
    await node.flushed();
    expect(backing.versions.has(versionKey(threat))).toBe(true);
    await node.close();
  });

  it('sets aside evidence kept in an entity meta whose proof does not verify', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    const sign = (author: TestIdentity, ms: number, seen: Version['seen'] = []): Promise<Version> =>
      note(author, 'ev', `${ms}`, ms, seen);
    // The peer's later write, then its earlier one naming the stranger's: refused, and kept as
    // evidence since the later one does not name it (docs/architecture.md, "Evidence").
    const a10 = await sign(stranger, T0 - 90);
    const b30 = await sign(peer, T0 - 70);
    const b20 = await sign(peer, T0 - 80, [a10.ts]);
    first.applyRemote([a10, b30, b20]);
    expect(first.evidenceStats().held).toBe(1);
    await first.flushed();
    await first.close();
    const meta = backing.entities.get('ev')!;
    expect(meta.evidence?.map((e) => e.version.ts.ms)).toEqual([T0 - 80]);
    backing.entities.set('ev', {
      ...meta,
      evidence: meta.evidence!.map((e) => ({
        ...e,
        version: { ...e.version, proof: { ...(e.version.proof as LeafProof), sig: new Uint8Array(64).fill(5) } },
      })),
    });
    const security = await securityOf(me, [peer.publicKey]);
    const logs: string[] = [];
    const node = await open(backing, security, logs);
    expect((await node.stats()).storage.setAside).toBe(1);
    expect(logs.some((m) => m.startsWith('set aside a damaged evidence version'))).toBe(true);
    // Not served: the mesh serves node.versions(), heads and evidence.
    expect([...node.versions()].some((v) => v.ts.ms === T0 - 80)).toBe(false);
    expect(node.evidenceStats().held).toBe(0);
    expect((await node.heads('ev', 'note')).map((h) => h.time)).toEqual([T0 - 70]);
    // The meta is written again without it.
    await node.flushed();
    expect(backing.entities.get('ev')?.evidence ?? []).toEqual([]);
    await node.close();
  });
});

describe('a twin of a version whose proof fails', () => {
  // Twins (docs/architecture.md "Evidence"): the peer's two versions under one timestamp, the same
  // value, one naming the stranger's write. The store keeps the one naming nothing as the head (in
  // the versions store) and the other as evidence (in the entity's meta): one storage key for both.
  async function twins(backing: MemoryBacking): Promise<{ head: Version; evidence: Version }> {
    const first = await open(backing);
    const sign = (author: TestIdentity, ms: number, seen: Version['seen'] = []): Promise<Version> =>
      note(author, 'tw', 'x', ms, seen);
    const a10 = await sign(stranger, T0 - 90);
    const head = await sign(peer, T0 - 70);
    const evidence = await sign(peer, T0 - 70, [a10.ts]);
    first.applyRemote([a10, head, evidence]);
    await first.flushed();
    await first.close();
    expect(versionKey(head)).toBe(versionKey(evidence));
    expect([...backing.versions.values()].map((v) => v.seen)).toEqual([[]]);
    expect(backing.entities.get('tw')?.evidence?.map((e) => e.version.seen)).toEqual([[a10.ts]]);
    return { head, evidence };
  }
  const junk = (v: Version): Version => ({
    ...v,
    proof: { ...(v.proof as LeafProof), sig: new Uint8Array(64).fill(4) },
  });

  it('sets aside the evidence twin whose proof fails, and keeps the head under its key held and stored', async () => {
    const backing = createMemoryBacking();
    const { head } = await twins(backing);
    const meta = backing.entities.get('tw')!;
    backing.entities.set('tw', { ...meta, evidence: meta.evidence!.map((e) => ({ ...e, version: junk(e.version) })) });
    const node = await open(backing, await securityOf(me, [peer.publicKey]));
    expect((await node.stats()).storage.setAside).toBe(1);
    expect((await node.heads('tw', 'note')).map((h) => h.time)).toEqual([T0 - 70]);
    expect([...node.versions()].filter((v) => v.entity === 'tw').map((v) => v.seen)).toEqual([[]]);
    await node.flushed();
    expect(backing.versions.get(versionKey(head))?.seen).toEqual([]);
    expect(backing.entities.get('tw')?.evidence ?? []).toEqual([]);
    await node.close();
    // The next open finds the head intact and nothing to set aside.
    const again = await open(backing, await securityOf(me, [peer.publicKey]));
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect((await again.heads('tw', 'note')).map((h) => h.time)).toEqual([T0 - 70]);
    await again.close();
  });

  it('sets aside the head whose proof fails, and keeps its evidence twin, now the head, held and stored', async () => {
    const backing = createMemoryBacking();
    const { head, evidence } = await twins(backing);
    damage(backing, head, junk);
    const node = await open(backing, await securityOf(me, [peer.publicKey]));
    expect((await node.stats()).storage.setAside).toBe(1);
    expect([...node.versions()].filter((v) => v.entity === 'tw').map((v) => v.seen)).toEqual([evidence.seen]);
    expect((await node.heads('tw', 'note')).map((h) => h.time)).toEqual([T0 - 70]);
    await node.flushed();
    expect(backing.versions.get(versionKey(head))?.seen).toEqual(evidence.seen);
    await node.close();
    const again = await open(backing, await securityOf(me, [peer.publicKey]));
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect([...again.versions()].filter((v) => v.entity === 'tw').map((v) => v.seen)).toEqual([evidence.seen]);
    await again.close();
  });
});

describe('a check of the stored proofs that fails, or is cut short by close()', () => {
  it('shows a check that fails with an error in the storage status, and keeps it there after later commits', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await first.flushed();
    await first.close();
    const node = await openUnchecked(backing, undefined, [], () => Promise.reject(new Error('verifier broke')));
    await expect(node.storedChecked()).rejects.toThrow('verifier broke');
    const failed = (await node.stats()).storage;
    expect(failed.state).toBe('error');
    expect(failed.checkFailed).toContain('verifier broke');
    expect((await node.info()).storage.checkFailed).toContain('verifier broke');
    // A commit that succeeds afterwards reports 'ok' to the storage health: the failure stays shown.
    await node.create({ id: 'b', components: { threat: { level: 'LOW' } } });
    await node.flushed();
    expect(backing.versions.size).toBe(2);
    const after = (await node.stats()).storage;
    expect(after.state).toBe('error');
    expect(after.checkFailed).toContain('verifier broke');
    expect(after.message).toContain('the stored proofs could not be checked');
    await node.close();
    // Closed by the node: the failure stays shown until the next open (before, 'closed' hid it).
    const closed = (await node.stats()).storage;
    expect(closed.state).toBe('closed');
    expect(closed.checkFailed).toContain('verifier broke');
    // The next open checks again; it succeeds, and nothing is shown.
    const again = await open(backing, await securityOf(me, []));
    expect((await again.stats()).storage.state).toBe('ok');
    expect((await again.stats()).storage.checkFailed).toBeUndefined();
    await again.close();
  });

  it('keeps a check that failed shown when the storage reports it closed (another tab took the database)', async () => {
    const backing = createMemoryBacking();
    const first = await open(backing);
    await first.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await first.flushed();
    await first.close();
    const node = await openUnchecked(backing, undefined, [], () => Promise.reject(new Error('verifier broke')));
    await expect(node.storedChecked()).rejects.toThrow('verifier broke');
    node.reportStorage('closed', 'the database was closed by another tab');
    const status = (await node.stats()).storage;
    expect(status.state).toBe('closed');
    expect(status.checkFailed).toContain('verifier broke');
    expect((await node.info()).storage.checkFailed).toContain('verifier broke');
    await node.close();
  });

  it('stops the check when the node closes: no Ed25519 check, nothing withdrawn or written after', async () => {
    const backing = createMemoryBacking();
    const damaged = await changedOnDisk(backing, 'c', 4, 'c1');
    const security = await securityOf(me, []);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const logs: string[] = [];
    const node = await openUnchecked(backing, undefined, logs, async (vs, signal) => {
      await gate;
      return security.verifier.checkStored(vs, signal);
    });
    await node.close();
    const logged = logs.length;
    release();
    await expect(node.storedChecked()).rejects.toBeInstanceOf(NodeClosed);
    expect(security.verifier.checked).toBe(0);
    // The damaged version was neither withdrawn nor deleted from storage, nor anything else written.
    expect(backing.versions.get(versionKey(damaged))?.value).toEqual({ level: 'HIGH' });
    expect(backing.versions.size).toBe(4);
    expect(logs.slice(logged)).toEqual([]);
    expect((await node.stats()).storage.setAside ?? 0).toBe(0);
    expect((await node.stats()).storage.state).toBe('closed');
  });
  it('stops a check in progress when the node closes: no Ed25519 check after the round in flight', async () => {
    // STORED_CHECKS_IN_FLIGHT (64) checks run at a time; 2 rounds' worth of one-version batches.
    const backing = createMemoryBacking();
    const first = await open(backing);
    const versions = await Promise.all(
      Array.from({ length: 2 * STORED_CHECKS_IN_FLIGHT }, (_, i) => remote(peer, `p${i}`, 'LOW', T0 - 1000 + i)),
    );
    first.applyRemote(versions);
    await first.flushed();
    await first.close();
    const real = webCryptoVerifier();
    let verified = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let roundStarted!: () => void;
    const started = new Promise<void>((resolve) => (roundStarted = resolve));
    const security = await MeshSecurity.create({
      self: me.id,
      publicKey: me.publicKey,
      crypto: {
        ...real,
        verify: async (key, bytes, sig) => {
          if (++verified === STORED_CHECKS_IN_FLIGHT) roundStarted();
          await gate;
          return real.verify(key, bytes, sig);
        },
      },
      signer: me.signer,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
      now: () => T0,
      stored: [peer.publicKey],
    });
    const node = await openUnchecked(backing, undefined, [], (vs, signal) => security.verifier.checkStored(vs, signal));
    await started;
    await node.close();
    release();
    await expect(node.storedChecked()).rejects.toBeInstanceOf(NodeClosed);
    expect(verified).toBe(STORED_CHECKS_IN_FLIGHT);
  });
});

// docs/security.md, "Databases from before signatures": a database written before nodes signed
// holds every version unsigned, the operator's own writes included. Only the database says which
// it is (SIGNED_STORE_META): without the marker, the node's own unsigned versions from before it
// signed are signed on open and written back before anything is served; with it, a missing proof
// is damage, as before.
describe('a database from before signatures', () => {
  /** A node as nodes were before they signed: no key, no check, and no marker in the database. */
  async function writtenBeforeSignatures(backing: MemoryBacking): Promise<Version[]> {
    const old = await openUnsigned(backing, () => T0 - 1000);
    await old.writeMany(threats('own', 5));
    await old.update('own0', { threat: { level: 'NONE' } });
    const unsigned = (author: TestIdentity, entity: string, ms: number): Version => ({
      entity: entity as EntityId,
      kind: 'threat' as ComponentKind,
      value: { level: 'MEDIUM' } as never,
      ts: { ms, c: 0, node: author.id as NodeId },
      seen: [],
    });
    const theirs = [unsigned(peer, 'theirs', T0 - 2000), unsigned(stranger, 'strange', T0 - 1500)];
    expect(old.applyRemote(theirs)).toHaveLength(2);
    await old.flushed();
    await old.close();
    // What the code of then left: every version unsigned, and no marker.
    backing.meta.delete(SIGNED_STORE_META);
    expect([...backing.versions.values()].every((v) => v.sig === undefined && v.proof === undefined)).toBe(true);
    return theirs;
  }

  it("signs the node's own versions, durable before the check settles, and sets the others' aside", async () => {
    const backing = createMemoryBacking();
    await writtenBeforeSignatures(backing);
    const ownBefore = [...backing.versions.values()];
    expect(ownBefore).toHaveLength(7);
    const logs: string[] = [];
    const node = await openUnchecked(backing, await securityOf(me, [peer.publicKey]), logs);
    await node.storedChecked();
    // Durable when the check settles, before any link (create-worker-api.ts attachLink awaits it).
    const stored = [...backing.versions.values()];
    expect(stored.map((v) => v.entity).sort()).toEqual(['own0', 'own1', 'own2', 'own3', 'own4']);
    expect(stored.every((v) => v.proof?.kind === 'path')).toBe(true);
    expect(backing.meta.get(SIGNED_STORE_META)).toBe(1);
    // The same versions (timestamps and content), and they verify under our key.
    for (const v of stored) {
      const before = ownBefore.find((b) => b.entity === v.entity && b.ts.node === me.id)!;
      expect(v.ts).toEqual(before.ts);
      expect(v.value).toEqual(before.value);
    }
    const check = await (await securityOf(me, [])).verifier.checkStored(stored);
    expect(check.problems.every((p) => p === undefined)).toBe(true);
    expect(check.unjudged).toBe(0);
    // Shown and served signed: the picture is there, verified.
    expect((await node.get('own0'))?.components.threat).toEqual({ level: 'NONE' });
    const list = await node.list();
    expect(list.map((e) => e.id).sort()).toEqual(['own0', 'own1', 'own2', 'own3', 'own4']);
    expect(list.some((e) => e.meta['threat']?.unverified === true)).toBe(false);
    expect([...node.versions()].every((v) => v.proof?.kind === 'path')).toBe(true);
    // The other authors' unsigned versions cannot be vouched for: set aside and counted.
    const stats = await node.stats();
    expect(stats.storage.setAside).toBe(2);
    expect(stats.rejected['damaged-in-storage']).toBe(2);
    expect(logs.filter((m) => m.includes('it carries no signature'))).toHaveLength(2);
    expect(logs.some((m) => m.startsWith('signed 5 own versions stored before signatures'))).toBe(true);
    await node.close();

    // The next open finds the marker and everything signed: nothing set aside, nothing signed again.
    const again = await openUnchecked(backing, await securityOf(me, [peer.publicKey]), logs);
    await again.storedChecked();
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect([...again.versions()]).toHaveLength(5);
    expect(logs.filter((m) => m.startsWith('signed '))).toHaveLength(1);
    await again.close();
  });

  it('sets aside an own unsigned version dated after an own signed one: written by code that signs', async () => {
    const backing = createMemoryBacking();
    await writtenBeforeSignatures(backing);
    // Then opened by code that signed but set no marker (before the marker existed): a signed write,
    // and one written after it whose proof was lost on disk.
    const between = await open(backing);
    await between.create({ id: 'signed', components: { threat: { level: 'LOW' } } });
    await between.create({ id: 'lost', components: { threat: { level: 'LOW' } } });
    await between.flushed();
    const lost = [...between.versions()].find((v) => v.entity === 'lost')!;
    await between.close();
    backing.meta.delete(SIGNED_STORE_META);
    damage(backing, lost, ({ proof: _p, ...v }) => v);
    const logs: string[] = [];
    const node = await open(backing, await securityOf(me, [peer.publicKey]), logs);
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['own0', 'own1', 'own2', 'own3', 'own4', 'signed']);
    // The two other authors' and the one lost after signing began, with the reason.
    expect((await node.stats()).storage.setAside).toBe(3);
    expect(logs.filter((m) => m.includes('dated after our earliest verified signed one'))).toHaveLength(2);
    await node.flushed();
    expect(backing.versions.has(versionKey(lost))).toBe(false);
    await node.close();
  });

  it('still sets aside an own version whose proof was stripped in a database of the signature era', async () => {
    const backing = createMemoryBacking();
    const stripped = await storeThreats(await open(backing), 's', 3, 's1');
    // Marked when the database was created.
    expect(backing.meta.get(SIGNED_STORE_META)).toBe(1);
    damage(backing, stripped, ({ proof: _p, ...v }) => v);
    const logs: string[] = [];
    const node = await open(backing, await securityOf(me, []), logs);
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['s0', 's2']);
    expect((await node.stats()).storage.setAside).toBe(1);
    expect(logs.filter((m) => m.includes('it carries no signature'))).toHaveLength(1);
    expect(logs.some((m) => m.startsWith('signed '))).toBe(false);
    await node.close();
  });
});

// docs/security.md, "Databases from before signatures": a large history is migrated in bounded
// commits, newest first, the marker with the last, so a commit that fails (a device near its quota)
// or a crash part-way leaves a database the next open finishes; and a junk signature on an old own
// version does not date the cut-off.
describe('migrating a large database from before signatures', () => {
  const OWN = 2500;

  /** `count` own versions written as nodes wrote before they signed (no key, no marker), one ms apart. */
  async function writtenUnsigned(backing: MemoryBacking, count: number): Promise<void> {
    let t = T0 - 100_000;
    const old = await openUnsigned(backing, () => t++);
    for (let i = 0; i < count; i += 500) {
      await old.writeMany(threats('own', Math.min(500, count - i), 'LOW', i));
    }
    await old.flushed();
    await old.close();
    backing.meta.delete(SIGNED_STORE_META);
    expect([...backing.versions.values()].every((v) => v.sig === undefined && v.proof === undefined)).toBe(true);
  }

  /** MemoryStorage that records the commits putting versions or the marker, and fails those `fail` picks. */
  class RecordingStorage extends MemoryStorage {
    readonly commits: { put: Version[]; marker: boolean }[] = [];
    constructor(
      backing: MemoryBacking,
      private readonly fail: (index: number, batch: StorageBatch) => boolean = () => false,
    ) {
      super({ backing });
    }
    override async commit(batch: StorageBatch): Promise<void> {
      const marker = batch.meta?.[SIGNED_STORE_META] !== undefined;
      if (batch.put.length > 0 || marker) {
        const index = this.commits.length;
        this.commits.push({ put: [...batch.put], marker });
        if (this.fail(index, batch)) throw new Error('the transaction was aborted (quota)');
      }
      return super.commit(batch);
    }
  }

  const newest = (vs: readonly Version[]): Version => vs.reduce((a, b) => (compareTs(a.ts, b.ts) >= 0 ? a : b));
  const oldest = (vs: readonly Version[]): Version => vs.reduce((a, b) => (compareTs(a.ts, b.ts) <= 0 ? a : b));

  it('commits in bounded chunks, newest first, the marker only with the last', async () => {
    const backing = createMemoryBacking();
    await writtenUnsigned(backing, OWN);
    const storage = new RecordingStorage(backing);
    const logs: string[] = [];
    const node = await openUnchecked(storage, await securityOf(me, []), logs);
    await node.storedChecked();
    const commits = storage.commits;
    expect(commits.map((c) => c.put.length)).toEqual([
      BULK_COMMIT_VERSIONS,
      BULK_COMMIT_VERSIONS,
      OWN - 2 * BULK_COMMIT_VERSIONS,
    ]);
    expect(commits.map((c) => c.marker)).toEqual([false, false, true]);
    // Newest first: no version of a commit is newer than any of the one before (one write call's
    // versions share a timestamp, so a boundary may split them).
    for (let i = 1; i < commits.length; i++) {
      expect(compareTs(newest(commits[i]!.put).ts, oldest(commits[i - 1]!.put).ts)).toBeLessThanOrEqual(0);
    }
    expect(commits.every((c) => c.put.every((v) => v.proof?.kind === 'path'))).toBe(true);
    expect(logs.some((m) => m.startsWith(`signed ${OWN} own versions stored before signatures, in 3 chunks`))).toBe(
      true,
    );
    expect([...backing.versions.values()].every((v) => v.proof?.kind === 'path')).toBe(true);
    expect(backing.meta.get(SIGNED_STORE_META)).toBe(1);
    await node.close();
  });

  it('loses nothing when it stops after the first chunk: the next open migrates the rest', async () => {
    const backing = createMemoryBacking();
    await writtenUnsigned(backing, OWN);
    // The second migration commit fails (the tab was killed, or the quota ran out), and so do its retries.
    const failing = new RecordingStorage(backing, (i) => i >= 1);
    const logs: string[] = [];
    const first = await openUnchecked(failing, await securityOf(me, []), logs);
    await expect(first.storedChecked()).rejects.toThrow('quota');
    expect((await first.stats()).storage.checkFailed).toBeDefined();
    await first.close();
    // Durable: the newest chunk signed, every older version still unsigned, no marker.
    const stored = [...backing.versions.values()];
    const signed = stored.filter((v) => v.proof !== undefined);
    const unsigned = stored.filter((v) => v.proof === undefined);
    expect(signed).toHaveLength(BULK_COMMIT_VERSIONS);
    expect(unsigned).toHaveLength(OWN - BULK_COMMIT_VERSIONS);
    expect(compareTs(newest(unsigned).ts, oldest(signed).ts)).toBeLessThanOrEqual(0);
    expect(backing.meta.has(SIGNED_STORE_META)).toBe(false);

    const storage = new RecordingStorage(backing);
    const again = await openUnchecked(storage, await securityOf(me, []), logs);
    await again.storedChecked();
    expect((await again.stats()).storage.setAside ?? 0).toBe(0);
    expect((await again.list({ limit: OWN + 1 })).length).toBe(OWN);
    expect(storage.commits.map((c) => c.put.length)).toEqual([BULK_COMMIT_VERSIONS, OWN - 2 * BULK_COMMIT_VERSIONS]);
    expect([...backing.versions.values()]).toHaveLength(OWN);
    expect([...backing.versions.values()].every((v) => v.proof?.kind === 'path')).toBe(true);
    expect(backing.meta.get(SIGNED_STORE_META)).toBe(1);
    await again.close();
  });

  it('does not date the cut-off by an early own version whose signature is junk', async () => {
    const backing = createMemoryBacking();
    await writtenUnsigned(backing, 5);
    // An own version older than all the others, read back with 64 bytes of junk as its signature.
    const junk: Version = {
      entity: 'junk' as EntityId,
      kind: 'threat' as ComponentKind,
      value: { level: 'HIGH' } as never,
      ts: { ms: T0 - 200_000, c: 0, node: me.id as NodeId },
      seen: [],
      sig: new Uint8Array(64).fill(7),
    };
    backing.versions.set(versionKey(junk), junk);
    const logs: string[] = [];
    const node = await openUnchecked(backing, await securityOf(me, []), logs);
    await node.storedChecked();
    // The genuine old writes are signed and kept; only the junk one is set aside.
    expect((await node.list()).map((e) => e.id).sort()).toEqual(['own0', 'own1', 'own2', 'own3', 'own4']);
    expect((await node.stats()).storage.setAside).toBe(1);
    expect(logs.some((m) => m.startsWith('signed 5 own versions stored before signatures'))).toBe(true);
    expect(logs.filter((m) => m.includes('its signature does not verify'))).toHaveLength(1);
    await node.close();
  });
});
