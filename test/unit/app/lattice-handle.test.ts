import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/adapters/memory-storage';
import { createLatticeHandle, type LatticeHandle } from '../../../src/app/lattice-handle';
import { CALLS_PER_MESSAGE } from '../../../src/app/call-batcher';
import type { NodeId } from '../../../src/core/ids';
import { createWorkerApi } from '../../../src/node/create-worker-api';
import { LatticeNode } from '../../../src/node/lattice-node';
import { MeshNode } from '../../../src/node/mesh';
import { CompactDecoder, type DecodedViews } from '../../../src/core/feed/feed-decoder';
import { ROW, viewOfRow } from '../../../src/core/feed/track-row';
import type { ChangeBatch, CompactBatch } from '../../../src/node/node-api';
import type { WorkerApi } from '../../../src/node/worker-api';
import { StorageFullError } from '../../../src/ports/storage';
import type { Signer } from '../../../src/ports/signer';
import type { LinkShape } from '../../../src/core/budget/link-shaper';
import { RosterService } from '../../../src/node/roster/roster-service';
import { testSecurity } from '../support/test-keys';
import { fakeDevice } from '../node/roster/roster-harness';
import { openTestNode } from '../support/test-node';

const NODE = 'n0000000000000000000000000000001' as NodeId;

let ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  ports = [];
});

/**
 * window.lattice over a real comlink channel (Node's MessageChannel) to the object the worker
 * serves (createWorkerApi), over a LatticeNode on memory storage and its mesh.
 */
async function handleOverComlink(
  storage = new MemoryStorage(),
  extra: { signer?: Signer; posted?: unknown[] } = {},
): Promise<{ handle: LatticeHandle; node: LatticeNode; navigated: string[]; shaped: (LinkShape | null)[] }> {
  const shaped: (LinkShape | null)[] = [];
  const node = await openTestNode({
    ...(extra.signer === undefined ? {} : { signer: extra.signer }),
    nodeId: NODE,
    storage,
    now: () => 1_000_000,
  });
  const served = createWorkerApi({
    open: async () => ({
      node,
      mesh: new MeshNode({ node, now: () => 1_000_000, security: await testSecurity(NODE, () => 1_000_000) }),
      roster: await RosterService.open({
        host: node,
        device: fakeDevice(),
        now: () => 1_000_000,
        randomBytes: (n) => new Uint8Array(n).fill(3),
      }),
    }),
    attachPort: () => {
      throw new Error('no links in this test');
    },
    shapeLinks: (shape) => shaped.push(shape),
    proxy: (value) => Comlink.proxy(value),
    transfer: (value, buffers) => Comlink.transfer(value, buffers),
    log: () => {},
  });
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  Comlink.expose(served, port1);
  const posted = extra.posted;
  if (posted !== undefined) {
    const post = port2.postMessage.bind(port2);
    port2.postMessage = ((message: unknown, transfer?: Transferable[]) => {
      posted.push(message);
      post(message, transfer as never);
    }) as typeof port2.postMessage;
  }
  const navigated: string[] = [];
  const handle = createLatticeHandle(Comlink.wrap<WorkerApi>(port2), 'test', undefined, undefined, {
    base: 'https://app.example/lm/',
    navigate: (url) => navigated.push(url),
  });
  return { handle, node, navigated, shaped };
}

describe('window.lattice over the worker boundary', () => {
  it('forwards every node call to the node once it has started', async () => {
    const { handle } = await handleOverComlink();
    expect(handle.nodeId).toBeUndefined();
    expect((await handle.ready).nodeId).toBe(NODE);
    expect(handle.nodeId).toBe(NODE);
    const created = await handle.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    const version = created.meta['threat']!.version;
    await handle.update('a', { threat: { level: 'HIGH' } }, { basedOn: version });
    expect((await handle.get('a'))?.components['threat']).toEqual({ level: 'HIGH' });
    expect((await handle.list({ minThreat: 'HIGH' })).map((e) => e.id)).toEqual(['a']);
    expect((await handle.heads('a', 'threat')).map((h) => h.value)).toEqual([{ level: 'HIGH' }]);
    // The founding (the roster's found op), then the HIGH threat raised an approval request: the fourth local write.
    expect((await handle.stats()).writes.local).toBe(4);
    const [request] = await handle.approvals();
    expect(request).toMatchObject({ entityId: 'a', state: 'pending' });
    expect(await handle.decide('a', 'deny', request!.requestId)).toMatchObject({ state: 'denied' });
    expect(await handle.tasks()).toEqual([]);
    await handle.setApprovalDeadline(10_000);
    expect(await handle.acceptHeld(NODE)).toBe(0);
    expect((await handle.info()).lattice).toBe('test');
    await handle.remove('a');
    expect(await handle.get('a')).toBeUndefined();
  });

  it('serves the roster: invite() with the app’s address, members(), removeMember(), join() reloading as the link', async () => {
    const { handle, navigated } = await handleOverComlink();
    await handle.ready;
    const { token, url } = await handle.invite();
    expect(url.startsWith('https://app.example/lm/?lattice=test&invite=')).toBe(true);
    const roster = await handle.members();
    expect(roster).toMatchObject({ founder: NODE, open: false, self: NODE });
    expect(roster.members).toEqual([{ id: NODE, fingerprint: 'n000 0000 0000 0000', founder: true, self: true }]);
    await expect(handle.removeMember(NODE)).rejects.toThrow(/founder cannot remove itself/);
    await handle.join(token);
    await handle.join(url);
    expect(navigated).toEqual([url, url]);
    await expect(handle.join('https://app.example/?lattice=x&invite=nope')).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('shapeLinks: hands the worker a checked shape or null; refuses a bad one with a ValidationError', async () => {
    const { handle, shaped } = await handleOverComlink();
    await handle.shapeLinks({ bytesPerSecond: 8000, latencyMs: 150, jitterMs: 20, loss: 0.01, seed: 7 });
    await handle.shapeLinks({ bytesPerSecond: null, latencyMs: 300 });
    await handle.shapeLinks(null);
    expect(shaped).toEqual([
      // A reliable channel: a lost copy is resent one mean round trip (2 × latency + jitter) later.
      { bytesPerSecond: 8000, latencyMs: 150, jitterMs: 20, loss: 0.01, resendAfterMs: 320, seed: 7 },
      { bytesPerSecond: Infinity, latencyMs: 300, jitterMs: 0, loss: 0, resendAfterMs: 600, seed: 1 },
      null,
    ]);
    const refused = async (shape: unknown) =>
      handle.shapeLinks(shape as never).then(
        () => 'resolved',
        (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
      );
    expect(await refused(undefined)).toMatch(/^ValidationError: shapeLinks.shape: expected an object/);
    expect(await refused({})).toMatch(/^ValidationError: shapeLinks.shape.bytesPerSecond/);
    expect(await refused({ bytesPerSecond: 0 })).toMatch(
      /^ValidationError: shapeLinks.shape.bytesPerSecond.*out of range/,
    );
    expect(await refused({ bytesPerSecond: -1 })).toMatch(/^ValidationError/);
    expect(await refused({ bytesPerSecond: '8000' })).toMatch(/^ValidationError/);
    expect(await refused({ bytesPerSecond: NaN })).toMatch(/^ValidationError/);
    expect(await refused({ bytesPerSecond: 8000, loss: 1.5 })).toMatch(/^ValidationError: shapeLinks.shape.loss/);
    expect(await refused({ bytesPerSecond: 8000, latencyMs: -5 })).toMatch(
      /^ValidationError: shapeLinks.shape.latencyMs/,
    );
    expect(await refused({ bytesPerSecond: 8000, jitterMs: Infinity })).toMatch(
      /^ValidationError: shapeLinks.shape.jitterMs/,
    );
    expect(await refused({ bytesPerSecond: 8000, resendAfterMs: -1 })).toMatch(
      /^ValidationError: shapeLinks.shape.resendAfterMs/,
    );
    expect(await refused({ bytesPerSecond: 8000, seed: 1.5 })).toMatch(/^ValidationError: shapeLinks.shape.seed/);
    expect(await refused({ bytesPerSecond: 8000, seed: 2 ** 32 })).toMatch(/^ValidationError: shapeLinks.shape.seed/);
    expect(await refused({ bytesPerSecond: 8000, burstBytes: 10 })).toMatch(
      /^ValidationError: .*unknown field "burstBytes"/,
    );
    expect(shaped).toHaveLength(3); // nothing refused reached the links
  });

  it('rejects with the error names the README documents', async () => {
    const storage = new MemoryStorage();
    const { handle } = await handleOverComlink(storage);
    const a = await handle.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await handle.update('a', { threat: { level: 'HIGH' } });
    const name = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (error: unknown) => (error as Error).name,
      );
    expect(await name(handle.create({ id: 'a', components: { threat: { level: 'LOW' } } }))).toBe('ValidationError');
    expect(await name(handle.update('nope', { threat: { level: 'LOW' } }))).toBe('NotFoundError');
    expect(await name(handle.update('a', { threat: { level: 'LOW' } }, { basedOn: a.meta['threat']!.version }))).toBe(
      'ConflictError',
    );
    storage.failNextCommit(new StorageFullError('quota exceeded'));
    expect(await name(handle.create({ id: 'b', components: { threat: { level: 'LOW' } } }))).toBe('StorageFullError');
  });

  it('sends the writes of one task as messages of at most CALLS_PER_MESSAGE, a signing round at most each, each settling on its own', async () => {
    let signatures = 0;
    const signer: Signer = {
      publicKey: new Uint8Array(32),
      sign: () => {
        signatures += 1;
        return new Uint8Array(64).fill(1);
      },
    };
    const posted: unknown[] = [];
    const { handle } = await handleOverComlink(new MemoryStorage(), { signer, posted });
    await handle.ready;
    await handle.create({ id: 'taken', components: { threat: { level: 'LOW' } } });
    [posted.length, signatures] = [0, 0];
    const name = (p: Promise<unknown>) =>
      p.then(
        (v) => (v as { id: string }).id,
        (error: unknown) => (error as Error).name,
      );
    const writes = Array.from({ length: 200 }, (_, k) =>
      name(handle.create({ id: `t${k}`, components: { position: { lat: 50 + k * 1e-4, lon: 8 } } })),
    );
    const refused = name(handle.create({ id: 'taken', components: { threat: { level: 'LOW' } } }));
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 200 }, (_, k) => `t${k}`));
    expect(await refused).toBe('ValidationError');
    // Four comlink messages for the 201 calls (was one each), and at most one signature each.
    expect(posted.length).toBe(Math.ceil(201 / CALLS_PER_MESSAGE));
    expect(signatures).toBeGreaterThanOrEqual(1);
    expect(signatures).toBeLessThanOrEqual(posted.length);
    // A call that is not batched goes after the writes made before it.
    const created = handle.create({ id: 'late', components: { threat: { level: 'LOW' } } });
    expect((await handle.get('late'))?.id).toBe('late');
    await created;
  });

  it('a write the worker cannot be sent (not cloneable) fails alone; the writes batched beside it land', async () => {
    const { handle } = await handleOverComlink(new MemoryStorage());
    await handle.ready;
    const good = handle.create({ id: 'x', components: { threat: { level: 'LOW' } } });
    const bad = handle.create({ id: 'y', components: { threat: { level: 'LOW', cb: () => 1 } } } as never);
    await expect(bad).rejects.toMatchObject({ name: 'DataCloneError' });
    expect((await good).id).toBe('x');
    expect((await handle.get('x'))?.id).toBe('x');
  });

  it('delivers watch batches until unsubscribed', async () => {
    const { handle } = await handleOverComlink();
    const batches: ChangeBatch[] = [];
    const unsubscribe = handle.watch((batch) => batches.push(batch));
    await handle.create({ id: 'w1', components: { threat: { level: 'LOW' } } });
    await expect.poll(() => batches.flatMap((b) => b.changed.map((e) => e.id))).toEqual(['w1']);
    unsubscribe();
    // Round trips over the same channel: the unsubscribe has reached the node, and a batch would have come back.
    await handle.info();
    await handle.create({ id: 'w2', components: { threat: { level: 'LOW' } } });
    await handle.info();
    await handle.info();
    expect(batches).toHaveLength(1);
  });

  it('delivers a compact feed across the channel, the picture first, the buffer moved, until unsubscribed', async () => {
    const { handle } = await handleOverComlink();
    await handle.create({ id: 'c0', components: { threat: { level: 'LOW' } } });
    const batches: CompactBatch[] = [];
    const unsubscribe = handle.watchCompact((batch) => batches.push(batch));
    const decoder = new CompactDecoder();
    const decoded: DecodedViews[] = [];
    const named = (): string[] => {
      while (decoded.length < batches.length) decoded.push(decoder.decode(batches[decoded.length]));
      return decoded.flatMap((d) => d.ids);
    };
    await expect.poll(named).toContain('c0');
    expect(batches[0]!.snapshot).toBe(true);
    expect(decoded[0]!.ids).toEqual(['c0']);
    await handle.create({ id: 'c1', components: { position: { lat: 59, lon: 18 }, velocity: { east: 1, north: 2 } } });
    await expect.poll(named).toContain('c1');
    const before = batches.length;
    await handle.update('c1', { position: { lat: 59.5, lon: 18.5 } });
    await expect.poll(() => batches.length).toBeGreaterThan(before);
    named();
    const moved = decoded[decoded.length - 1]!;
    expect(moved.columns.flags[0]! & ROW.FULL).toBe(0);
    expect(viewOfRow(moved.bases[0]!, moved.columns, 0, (k) => moved.authors[k]!)).toEqual(await handle.get('c1'));
    const delivered = batches.length;
    unsubscribe();
    await handle.info();
    await handle.create({ id: 'c2', components: { threat: { level: 'LOW' } } });
    await handle.info();
    await handle.info();
    expect(batches).toHaveLength(delivered);
  });
});
