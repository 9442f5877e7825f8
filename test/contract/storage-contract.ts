import { pathBytes, splitPath } from '../../src/core/signing/merkle';
import type { LeafProof } from '../../src/core/signing/leaf-proof';
import type { Timestamp } from '../../src/core/clock/timestamp';
import type { ComponentValue, JsonValue } from '../../src/core/entity/component-types';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import { DELETED, type Version } from '../../src/core/merge/version';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { versionKey, type EntityMeta, type HeldRecord, type StoragePort } from '../../src/ports/storage';

/**
 * One behavioural suite for every StoragePort (automerge-repo's runStorageAdapterTests idea). The
 * test functions come in as arguments so the same cases run under vitest in Node and under mocha
 * in Chromium (WTR); `expect` needs only the four matchers below.
 */
export interface ContractExpectation {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeInstanceOf(expected: new (...args: never[]) => unknown): void;
  toMatch(expected: RegExp): void;
}

export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  expect(actual: unknown): ContractExpectation;
}

export interface StorageFixture {
  readonly storage: StoragePort;
  /** A new instance over the same persisted data (after `storage.close()`), as after a reload. */
  readonly reopen: () => Promise<StoragePort>;
  /** Closes whatever is open and deletes the data. */
  readonly teardown: () => Promise<void>;
}

const A = 'nodeA' as NodeId;
const B = 'node-B_2' as NodeId;

function ts(ms: number, c = 0, node: NodeId = A): Timestamp {
  return { ms, c, node };
}

/** A varied version: nested values, unicode, seen contexts, signatures present or absent. */
export function sampleVersion(i: number): Version {
  const entity = `track-${i >> 2}` as EntityId;
  const kinds = ['position', 'classification', 'threat', 'custom'] as ComponentKind[];
  const kind = kinds[i % 4]!;
  const values: Record<string, ComponentValue> = {
    position: { lat: 51.5 + i * 1e-7, lon: -0.1278 - i * 1e-7, alt: 35.25, covariance: [4, 0.5, 4] },
    classification: {
      label: `vessel «${i}» \u0000 ☃`,
      disposition: 'UNKNOWN',
      environment: 'SURFACE',
      confidence: 0.75,
    },
    threat: { level: 'HIGH' },
    custom: { nested: { list: [1, 'two', true, null, { deep: [] }] }, empty: {} },
  };
  const value = values[kind]!;
  const seen = i % 3 === 0 ? [ts(1_700_000_000_000 + i, 7, B), ts(1_600_000_000_000, 0, 'n3' as NodeId)] : [];
  const sig = i % 2 === 0 ? Uint8Array.from({ length: 64 }, (_, j) => (i * 31 + j) & 255) : undefined;
  return {
    entity,
    kind,
    value,
    ts: ts(1_700_000_000_000 + i, i % 5 === 0 ? 65_535 : i % 7, i % 2 === 0 ? A : B),
    seen,
    ...(sig === undefined ? {} : { sig }),
  };
}

function tombstone(i: number): Version {
  return { entity: `track-${i}` as EntityId, kind: DELETED, value: null, ts: ts(2 ** 47 - 1, 3), seen: [] };
}

/**
 * An entity meta as EntityStore.snapshot() makes one: floor, tombstone, knowledge per component,
 * and for some the evidence kept (versions with a signature or a batch proof, src/core/store/evidence.ts).
 */
export function sampleEntityMeta(i: number, later = 0): EntityMeta {
  const at = 1_700_000_000_000 + i + later;
  const id = `track-${i}` as EntityId;
  const proof: LeafProof = {
    kind: 'path',
    form: 2,
    sig: Uint8Array.from({ length: 64 }, (_, j) => (i + j) & 255),
    count: 3,
    index: 1,
    path: splitPath(Uint8Array.from({ length: 64 }, (_, j) => (i * 7 + j) & 255)),
  };
  const { sig: _none, ...unsigned } = sampleVersion(4 * i + 3);
  const evidence = [
    { version: { ...sampleVersion(4 * i + 2), entity: id }, by: B },
    { version: { ...unsigned, entity: id, proof, seen: [ts(at - 3, 0, A)] }, by: A },
  ];
  return {
    id,
    ...(i % 2 === 0 ? { floor: at } : {}),
    ...(i % 3 === 0 ? { deletedAt: ts(at, 2, B) } : {}),
    knowledge: [
      { kind: 'position' as ComponentKind, own: [ts(at, 0, A), ts(at - 5, 1, B)], seen: [ts(at - 9, 0, B)] },
      { kind: 'threat' as ComponentKind, own: [ts(at - 1, 65_535, 'n3' as NodeId)], seen: [] },
    ],
    ...(i % 4 === 1 ? { evidence } : {}),
  };
}

/** A held write as the node's skew hold stores one (the key is opaque to storage). */
export function sampleHeld(i: number): HeldRecord {
  const version = sampleVersion(i);
  return { key: `${versionKey(version)}\u0000held-${i}`, version, skewMs: 90_000 + i, at: 1_700_000_000_000 + i };
}

function byHeldKey(records: readonly HeldRecord[]): HeldRecord[] {
  return [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function byId(metas: readonly EntityMeta[]): EntityMeta[] {
  return [...metas].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function byKey(versions: readonly Version[]): Version[] {
  const keyed = versions.map((v) => [versionKey(v), v] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, v]) => v);
}

/** One string per version, for bulk comparisons (a deep toEqual of 10k versions takes seconds). */
function fingerprints(versions: readonly Version[]): string[] {
  return byKey(versions).map((v) =>
    JSON.stringify([
      versionKey(v),
      v.value,
      v.seen,
      v.sig === undefined ? null : Array.from(v.sig),
      v.proof?.kind === 'path'
        ? [v.proof.count, v.proof.index, Array.from(v.proof.sig), v.proof.path.map((h) => Array.from(h))]
        : null,
    ]),
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to reject, but it resolved');
}

export function runStorageContract(name: string, setup: () => Promise<StorageFixture>, t: ContractTestApi): void {
  const { describe, it, expect } = t;

  async function using(body: (f: StorageFixture) => Promise<void>): Promise<void> {
    const fixture = await setup();
    try {
      await body(fixture);
    } finally {
      await fixture.teardown();
    }
  }

  async function expectStored(s: StoragePort, expected: readonly Version[]): Promise<void> {
    expect(byKey(await s.loadVersions())).toEqual(byKey(expected));
  }

  describe(`StoragePort contract: ${name}`, () => {
    it('starts empty', async () =>
      using(async ({ storage }) => {
        expect(await storage.loadVersions()).toEqual([]);
        expect(await storage.getMeta('clock')).toBe(undefined);
      }));

    it('loads what was put: value, timestamp, seen and signature bytes', async () =>
      using(async ({ storage }) => {
        const versions = [...Array.from({ length: 24 }, (_, i) => sampleVersion(i)), tombstone(1)];
        await storage.commit({ put: versions, remove: [] });
        await expectStored(storage, versions);
        const loaded = (await storage.loadVersions()).find((v) => versionKey(v) === versionKey(versions[0]!));
        expect(loaded?.sig).toBeInstanceOf(Uint8Array);
      }));

    it('keeps a batch proof (signature, leaf count, index, path) beside per-version signatures', async () =>
      using(async ({ storage }) => {
        const sig = Uint8Array.from({ length: 64 }, (_, j) => j);
        const proven = [1, 3, 5, 7].map((i, k): Version => {
          const { sig: _sig, ...v } = sampleVersion(i);
          const count = [1, 2, 37, 65_536][k]!;
          const index = [0, 1, 36, 40_000][k]!;
          const path = splitPath(Uint8Array.from({ length: pathBytes(count, index) }, (_, j) => (j * 7 + i) & 255));
          // Both leaf forms: batches signed before the binary form load as they were written.
          return { ...v, proof: { kind: 'path', form: k % 2 === 0 ? 1 : 2, sig, count, index, path } };
        });
        const versions = [...proven, sampleVersion(0), sampleVersion(2)];
        await storage.commit({ put: versions, remove: [] });
        await expectStored(storage, versions);
        const loaded = await storage.loadVersions();
        expect(loaded.filter((v) => v.proof !== undefined).length).toBe(4);
        expect(loaded.filter((v) => v.sig !== undefined && v.proof === undefined).length).toBe(2);
      }));

    it('keeps one copy of a version put twice', async () =>
      using(async ({ storage }) => {
        const v = sampleVersion(2);
        await storage.commit({ put: [v], remove: [] });
        await storage.commit({ put: [v], remove: [] });
        await expectStored(storage, [v]);
      }));

    it('removes versions by key, and ignores keys it does not hold', async () =>
      using(async ({ storage }) => {
        const [a, b, c] = [sampleVersion(0), sampleVersion(1), sampleVersion(2)] as const;
        await storage.commit({ put: [a, b, c], remove: [] });
        await storage.commit({ put: [], remove: [versionKey(b), versionKey(sampleVersion(99))] });
        await expectStored(storage, [a, c]);
        await storage.commit({ put: [b], remove: [] });
        await expectStored(storage, [a, b, c]);
      }));

    it('applies puts, removals and metadata of one batch together', async () =>
      using(async ({ storage }) => {
        const [a, b, c] = [sampleVersion(0), sampleVersion(1), sampleVersion(2)] as const;
        await storage.commit({ put: [a, b], remove: [] });
        await storage.commit({ put: [c], remove: [versionKey(a)], meta: { clock: 'abc', peers: ['x', 'y'] } });
        await expectStored(storage, [b, c]);
        expect(await storage.getMeta('clock')).toBe('abc');
        expect(await storage.getMeta('peers')).toEqual(['x', 'y']);
      }));

    it('stores metadata of every JSON shape and overwrites it', async () =>
      using(async ({ storage }) => {
        const meta: Record<string, JsonValue> = { n: 42.5, s: 'é\u0000', b: false, z: null, o: { a: [1, { b: 'c' }] } };
        await storage.commit({ put: [], remove: [], meta });
        for (const [key, value] of Object.entries(meta)) expect(await storage.getMeta(key)).toEqual(value);
        await storage.commit({ put: [], remove: [], meta: { n: 'replaced' } });
        expect(await storage.getMeta('n')).toBe('replaced');
        expect(await storage.getMeta('s')).toBe('é\u0000');
      }));

    it('stores entity metas, each replacing the one under its id, with the rest of the batch', async () =>
      using(async ({ storage, reopen }) => {
        expect(await storage.loadEntityMeta()).toEqual([]);
        const metas = Array.from({ length: 7 }, (_, i) => sampleEntityMeta(i));
        await storage.commit({ put: [sampleVersion(0)], remove: [], entityMeta: metas });
        expect(byId(await storage.loadEntityMeta())).toEqual(byId(metas));
        const grown = sampleEntityMeta(3, 1000);
        await storage.commit({ put: [], remove: [], entityMeta: [grown] });
        const expected = byId(metas.map((m) => (m.id === grown.id ? grown : m)));
        expect(byId(await storage.loadEntityMeta())).toEqual(expected);
        // A failing commit applies none of its metas either.
        const badValue = { ...sampleVersion(1), value: { f: (() => 1) as unknown as JsonValue } };
        const failing = { put: [badValue], remove: [], entityMeta: [sampleEntityMeta(9), sampleEntityMeta(0, 5)] };
        expect(await rejection(storage.commit(failing))).toBeInstanceOf(Error);
        expect(byId(await storage.loadEntityMeta())).toEqual(expected);
        await storage.close();
        const again = await reopen();
        expect(byId(await again.loadEntityMeta())).toEqual(expected);
        await again.close();
      }));

    it('stores held writes with the rest of the batch, replaces them by key and releases them', async () =>
      using(async ({ storage, reopen }) => {
        expect(await storage.loadHeld()).toEqual([]);
        const held = Array.from({ length: 6 }, (_, i) => sampleHeld(i));
        await storage.commit({ put: [sampleVersion(9)], remove: [], hold: held });
        expect(byHeldKey(await storage.loadHeld())).toEqual(byHeldKey(held));
        // Released and held again in one batch: the release applies after the holds.
        const again0 = { ...held[0]!, skewMs: 1 };
        await storage.commit({ put: [], remove: [], hold: [again0, held[1]!], unhold: [held[1]!.key, 'absent'] });
        const expected = byHeldKey([again0, ...held.slice(2)]);
        expect(byHeldKey(await storage.loadHeld())).toEqual(expected);
        // A failing commit holds and releases nothing.
        const badValue = { ...sampleVersion(1), value: { f: (() => 1) as unknown as JsonValue } };
        const failing = { put: [badValue], remove: [], hold: [sampleHeld(7)], unhold: [held[2]!.key] };
        expect(await rejection(storage.commit(failing))).toBeInstanceOf(Error);
        expect(byHeldKey(await storage.loadHeld())).toEqual(expected);
        await storage.close();
        const reopened = await reopen();
        expect(byHeldKey(await reopened.loadHeld())).toEqual(expected);
        await reopened.close();
      }));

    it('does not let callers mutate what is stored', async () =>
      using(async ({ storage }) => {
        const v = sampleVersion(0);
        const sig = Uint8Array.from(v.sig!);
        await storage.commit({ put: [{ ...v, sig }], remove: [], meta: { o: { a: 1 } } });
        sig.fill(0);
        const loaded = await storage.loadVersions();
        expect(loaded[0]!.sig).toEqual(v.sig);
        loaded[0]!.sig!.fill(1);
        (loaded[0]!.value as { lat: number }).lat = 0;
        const meta = (await storage.getMeta('o')) as { a: number };
        meta.a = 2;
        await expectStored(storage, [v]);
        expect(await storage.getMeta('o')).toEqual({ a: 1 });
      }));

    it('keeps everything across close and reopen', async () =>
      using(async ({ storage, reopen }) => {
        const versions = Array.from({ length: 50 }, (_, i) => sampleVersion(i));
        await storage.commit({ put: versions, remove: [], meta: { clock: 'x' } });
        await storage.commit({ put: [], remove: [versionKey(versions[7]!)] });
        await storage.close();
        const again = await reopen();
        await expectStored(
          again,
          versions.filter((_, i) => i !== 7),
        );
        expect(await again.getMeta('clock')).toBe('x');
        await again.close();
      }));

    it('applies nothing of a commit that fails', async () =>
      using(async ({ storage }) => {
        const [a, b, c] = [sampleVersion(0), sampleVersion(1), sampleVersion(2)] as const;
        await storage.commit({ put: [a, b], remove: [], meta: { m: 1 } });
        // An uncloneable value in a version, then in the metadata (written after the versions).
        const badValue = { ...c, value: { f: (() => 1) as unknown as JsonValue } };
        const badMeta = { m: 2, bad: (() => 1) as unknown as JsonValue };
        for (const batch of [
          { put: [c, badValue], remove: [versionKey(a)], meta: { m: 2 } },
          { put: [c], remove: [versionKey(a)], meta: badMeta },
        ]) {
          expect(await rejection(storage.commit(batch))).toBeInstanceOf(Error);
          await expectStored(storage, [a, b]);
          expect(await storage.getMeta('m')).toBe(1);
          expect(await storage.getMeta('bad')).toBe(undefined);
        }
        await storage.commit({ put: [c], remove: [] });
        await expectStored(storage, [a, b, c]);
      }));

    it('round-trips 10,000 versions and removes half of them', async () =>
      using(async ({ storage, reopen }) => {
        const versions = Array.from({ length: 10_000 }, (_, i) => sampleVersion(i));
        await storage.commit({ put: versions, remove: [] });
        expect(fingerprints(await storage.loadVersions())).toEqual(fingerprints(versions));
        await storage.commit({ put: [], remove: versions.filter((_, i) => i % 2 === 1).map(versionKey) });
        await storage.close();
        const again = await reopen();
        const kept = versions.filter((_, i) => i % 2 === 0);
        expect(fingerprints(await again.loadVersions())).toEqual(fingerprints(kept));
        await again.close();
      }));

    it('lands every one of many concurrent commits, in call order', async () =>
      using(async ({ storage }) => {
        const versions = Array.from({ length: 1000 }, (_, i) => sampleVersion(i));
        const commits = [];
        for (let i = 0; i < 50; i++) {
          commits.push(storage.commit({ put: versions.slice(i * 20, i * 20 + 20), remove: [], meta: { last: i } }));
        }
        await Promise.all(commits);
        await expectStored(storage, versions);
        expect(await storage.getMeta('last')).toBe(49);
      }));

    it('applies a priority commit called while a bulk commit is in flight after it, also after a reopen', async () =>
      using(async ({ storage, reopen }) => {
        const [a, b, c, d] = [0, 1, 2, 3].map(sampleVersion) as [Version, Version, Version, Version];
        // The same key as b with another content: the later commit's content is the one kept.
        const b2: Version = { ...b, value: { replaced: 'by the priority commit' } };
        const held = [sampleHeld(0), sampleHeld(1)];
        const grown = sampleEntityMeta(1, 1000);
        const bulk = storage.commit({
          put: [a, b, c],
          remove: [],
          meta: { clock: 'bulk', kept: 1 },
          entityMeta: [sampleEntityMeta(1), sampleEntityMeta(2)],
          hold: held,
        });
        const urgent = storage.commit({
          put: [b2, d],
          remove: [versionKey(c)],
          meta: { clock: 'priority' },
          entityMeta: [grown],
          unhold: [held[0]!.key],
          priority: true,
        });
        await Promise.all([bulk, urgent]);
        const check = async (s: StoragePort): Promise<void> => {
          await expectStored(s, [a, b2, d]);
          expect(await s.getMeta('clock')).toBe('priority');
          expect(await s.getMeta('kept')).toBe(1);
          expect(byId(await s.loadEntityMeta())).toEqual(byId([grown, sampleEntityMeta(2)]));
          expect(await s.loadHeld()).toEqual([held[1]]);
        };
        await check(storage);
        await storage.close();
        const again = await reopen();
        await check(again);
        await again.close();
      }));

    it('applies a bulk commit called while a priority commit is in flight after it, also after a reopen', async () =>
      using(async ({ storage, reopen }) => {
        const [x, y, z] = [4, 5, 6].map(sampleVersion) as [Version, Version, Version];
        const held = sampleHeld(2);
        await storage.commit({ put: [x, y], remove: [] });
        const urgent = storage.commit({
          put: [z],
          remove: [versionKey(x)],
          meta: { clock: 'priority' },
          entityMeta: [sampleEntityMeta(3)],
          hold: [held],
          priority: true,
        });
        // Puts back what the priority commit removed, removes what it put, releases what it held.
        const bulk = storage.commit({
          put: [x],
          remove: [versionKey(y), versionKey(z)],
          meta: { clock: 'bulk' },
          entityMeta: [sampleEntityMeta(3, 50)],
          unhold: [held.key],
        });
        await Promise.all([urgent, bulk]);
        const check = async (s: StoragePort): Promise<void> => {
          await expectStored(s, [x]);
          expect(await s.getMeta('clock')).toBe('bulk');
          expect(await s.loadEntityMeta()).toEqual([sampleEntityMeta(3, 50)]);
          expect(await s.loadHeld()).toEqual([]);
        };
        await check(storage);
        await storage.close();
        const again = await reopen();
        await check(again);
        await again.close();
      }));

    it('keeps priority commits across a reopen, and applies the commits after the reopen after them', async () =>
      using(async ({ storage, reopen }) => {
        const [a, b, c] = [7, 8, 9].map(sampleVersion) as [Version, Version, Version];
        await storage.commit({ put: [a], remove: [], meta: { m: 'first' }, priority: true });
        await storage.commit({ put: [b], remove: [versionKey(a)], priority: true });
        await storage.close();
        const second = await reopen();
        await expectStored(second, [b]);
        expect(await second.getMeta('m')).toBe('first');
        // A bulk commit after the reopen supersedes what the priority commits wrote.
        await second.commit({ put: [a], remove: [versionKey(b)], meta: { m: 'bulk' } });
        await second.commit({ put: [c], remove: [], priority: true });
        await second.close();
        const third = await reopen();
        await expectStored(third, [a, c]);
        expect(await third.getMeta('m')).toBe('bulk');
        await third.commit({ put: [], remove: [versionKey(c)] });
        await third.close();
        const fourth = await reopen();
        await expectStored(fourth, [a]);
        await fourth.close();
      }));

    it('applies nothing of a priority commit that fails', async () =>
      using(async ({ storage }) => {
        const [a, b] = [sampleVersion(0), sampleVersion(1)] as const;
        await storage.commit({ put: [a], remove: [], meta: { m: 1 } });
        const badValue = { ...b, value: { f: (() => 1) as unknown as JsonValue } };
        const badMeta = { m: 2, bad: (() => 1) as unknown as JsonValue };
        for (const batch of [
          { put: [badValue], remove: [versionKey(a)], meta: { m: 2 }, priority: true },
          { put: [b], remove: [versionKey(a)], meta: badMeta, priority: true },
        ]) {
          expect(await rejection(storage.commit(batch))).toBeInstanceOf(Error);
          await expectStored(storage, [a]);
          expect(await storage.getMeta('m')).toBe(1);
        }
      }));

    it('matches a model through interleaved bulk and priority commits, in call order, and after a reopen', async () =>
      using(async ({ storage, reopen }) => {
        const random = mulberry32(20261205);
        const pick = (n: number) => Math.floor(random() * n);
        const model = new Map<string, Version>();
        const meta = new Map<string, JsonValue>();
        let pending: Promise<void>[] = [];
        for (let round = 0; round < 120; round++) {
          const put: Version[] = [];
          const remove: string[] = [];
          for (let k = 1 + pick(6); k > 0; k--) {
            // 24 keys, each written with a content naming the round: the latest content must win.
            const v = { ...sampleVersion(pick(24)), value: { round, k } };
            const key = versionKey(v);
            if (put.some((p) => versionKey(p) === key) || remove.includes(key)) continue;
            if (random() < 0.3) remove.push(key);
            else put.push(v);
          }
          const priority = random() < 0.4;
          const metaKey = `m${pick(3)}`;
          pending.push(storage.commit({ put, remove, meta: { [metaKey]: round }, priority }));
          for (const v of put) model.set(versionKey(v), v);
          for (const key of remove) model.delete(key);
          meta.set(metaKey, round);
          if (random() < 0.2) {
            await Promise.all(pending);
            pending = [];
          }
        }
        await Promise.all(pending);
        const check = async (s: StoragePort): Promise<void> => {
          await expectStored(s, [...model.values()]);
          for (const [key, value] of meta) expect(await s.getMeta(key)).toBe(value);
        };
        await check(storage);
        await storage.close();
        const again = await reopen();
        await check(again);
        await again.close();
      }));

    it('rejects every call after close with a clear error', async () =>
      using(async ({ storage }) => {
        await storage.close();
        for (const call of [
          () => storage.loadVersions(),
          () => storage.getMeta('x'),
          () => storage.loadEntityMeta(),
          () => storage.loadHeld(),
          () => storage.commit({ put: [sampleVersion(0)], remove: [] }),
        ]) {
          const error = await rejection(call());
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/closed/i);
        }
        await storage.close(); // closing twice is harmless
      }));
  });
}
