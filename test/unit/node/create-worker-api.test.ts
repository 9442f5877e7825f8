import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../../src/core/ids';
import { createWorkerApi, type RunningNode } from '../../../src/node/create-worker-api';
import { MAX_CALLS_PER_MESSAGE, type CallOutcome } from '../../../src/node/worker-api';
import { unpackViews } from '../../../src/core/feed/packed-views';
import { MeshNode } from '../../../src/node/mesh';
import { CompactDecoder, type DecodedViews } from '../../../src/core/feed/feed-decoder';
import { viewOfRow } from '../../../src/core/feed/track-row';
import type { ChangeBatch, CompactBatch } from '../../../src/node/node-api';
import type { AcceptLink } from '../../../src/ports/transport';
import { RosterService } from '../../../src/node/roster/roster-service';
import { syncSigner, testIdentity, testSecurity } from '../support/test-keys';
import { fakeDevice } from './roster/roster-harness';
import { openTestNode } from '../support/test-node';

const NODE = 'n0000000000000000000000000000001' as NodeId;
const PEER = 'n0000000000000000000000000000002' as NodeId;

let ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  ports = [];
});

/** `signed`: the node signs its writes (a view of a signed write has no `unverified` mark). */
async function running(signed = false): Promise<RunningNode> {
  const node = await openTestNode({
    ...(signed ? { signer: syncSigner(testIdentity('signer')) } : {}),
    nodeId: NODE,
    now: () => 1_000_000,
  });
  return {
    node,
    mesh: new MeshNode({ node, now: () => 1_000_000, security: await testSecurity(NODE, () => 1_000_000) }),
    roster: await RosterService.open({
      host: node,
      device: fakeDevice(),
      now: () => 1_000_000,
      randomBytes: (n) => new Uint8Array(n).fill(7),
    }),
  };
}

function served(signed = false) {
  const opens: string[] = [];
  const attached: { peer: NodeId; port: MessagePort; accept: AcceptLink }[] = [];
  const proxied: unknown[] = [];
  const transferred: ArrayBuffer[] = [];
  const logged: string[] = [];
  let opened: RunningNode | undefined;
  const api = createWorkerApi({
    open: async (options) => {
      opens.push(options.lattice);
      opened = await running(signed);
      return opened;
    },
    attachPort: (peer, port, accept) => attached.push({ peer, port, accept }),
    shapeLinks: () => {},
    proxy: (value) => {
      proxied.push(value);
      return value;
    },
    transfer: (value, buffers) => {
      transferred.push(...buffers);
      return value;
    },
    log: (message) => logged.push(message),
  });
  return { api, opens, attached, proxied, transferred, logged, opened: () => opened! };
}

describe('the worker API', () => {
  it('rejects node and mesh calls before start, without opening anything', async () => {
    const { api, opens } = served();
    await expect(api.info()).rejects.toThrow(/not started/);
    await expect(api.meshPeers()).rejects.toThrow(/not started/);
    await expect(api.attachLink(PEER, new MessageChannel().port1)).rejects.toThrow(/not started/);
    expect(() => api.watch(() => {})).toThrow(/not started/);
    expect(opens).toEqual([]);
  });

  it('opens the node once however often start is called, and forwards to it', async () => {
    const { api, opens, opened } = served();
    const [a, b] = await Promise.all([api.start({ lattice: 'alpha' }), api.start({ lattice: 'alpha' })]);
    expect(opens).toEqual(['alpha']);
    expect(a.nodeId).toBe(NODE);
    expect(b).toEqual(a);
    await api.create({ id: 'x', components: { threat: { level: 'LOW' } } });
    expect((await opened().node.get('x'))?.id).toBe('x');
    expect(await api.syncStatus()).toEqual(opened().mesh.syncStatus());
    expect(await api.meshPeers()).toEqual([]);
    const security = await api.securityStats();
    expect(security).toEqual(opened().mesh.securityStats());
    expect(security.rejected['forged-author']).toBe(0);
    expect(await api.disconnectPeer(PEER)).toBe(false);
  });

  it('runs a callMany of writes, each settling on its own, and refuses calls that are not batched writes', async () => {
    const { api } = served();
    await api.start({ lattice: 'alpha' });
    const out = await api.callMany([
      { name: 'create', args: [{ id: 'x', components: { threat: { level: 'LOW' } } }] },
      { name: 'create', args: [{ id: 'x', components: { threat: { level: 'LOW' } } }] },
      { name: 'update', args: ['x', { threat: { level: 'HIGH' } }] },
      { name: 'stats' as never, args: [] },
    ]);
    const viewAt = unpackViews(out.views);
    const value = (o: CallOutcome): unknown => (!o.ok ? undefined : 'row' in o ? viewAt(o.row) : o.value);
    expect(out.outcomes.map((o) => (o.ok ? (value(o) as { id: string }).id : o.name))).toEqual([
      'x',
      'ValidationError',
      'x',
      'ValidationError',
    ]);
    await expect(
      api.callMany(Array.from({ length: MAX_CALLS_PER_MESSAGE + 1 }, () => ({ name: 'remove' as const, args: ['x'] }))),
    ).rejects.toThrow(/at most/);
  });

  it("answers a callMany's views as rows of one moved buffer, each equal to the node's view", async () => {
    const { api, opened, transferred } = served(true);
    await api.start({ lattice: 'alpha' });
    await api.callMany([{ name: 'create', args: [{ id: 'r1', components: { threat: { level: 'LOW' } } }] }]);
    const out = await api.callMany([
      { name: 'create', args: [{ id: 'p1', components: { position: { lat: 40, lon: 9 } } }] },
      { name: 'create', args: [{ id: 'p2', components: { position: { lat: 41, lon: 9, alt: 3 } } }] },
      { name: 'update', args: ['p1', { velocity: { east: 1, north: 2 } }] },
      { name: 'create', args: [{ id: 'c1', components: { threat: { level: 'LOW' } } }] },
      { name: 'remove', args: ['r1'] },
    ]);
    expect(out.outcomes.map((o) => (o.ok ? ('row' in o ? o.row : 'value') : o.name))).toEqual([0, 1, 2, 3, 'value']);
    // The tracks no more than a row travel as rows alone; the threat's view whole.
    expect(out.views?.views.map((v) => v.id)).toEqual(['c1']);
    expect(transferred.at(-1)).toBe(out.views?.buffer);
    const viewAt = unpackViews(structuredClone(out.views));
    const node = opened().node;
    expect(viewAt(1)).toEqual(await node.get('p2'));
    expect(viewAt(2)).toEqual(await node.get('p1'));
    // create's view is read once its commit is durable: the update of the same message is in it.
    expect(viewAt(0)).toEqual(await node.get('p1'));
    expect(viewAt(3).id).toBe('c1');
  });

  it('forwards the roster calls: members, invite, removeMember', async () => {
    const { api } = served();
    await api.start({ lattice: 'alpha' });
    const roster = await api.members();
    expect(roster.founder).toBe(NODE);
    expect(roster.members.map((m) => m.id)).toEqual([NODE]);
    const invitation = await api.invite('https://app.example/');
    expect(invitation.url).toContain('invite=');
    await expect(api.removeMember(NODE)).rejects.toThrow(/founder cannot remove itself/);
  });

  it('hands a transferred port to the mesh, and refuses a bad peer id or a non-port', async () => {
    const { api, attached, opened } = served();
    await api.start({ lattice: 'alpha' });
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    await api.attachLink(PEER, port1);
    expect(attached).toHaveLength(1);
    expect(attached[0]!.peer).toBe(PEER);
    expect(attached[0]!.port).toBe(port1);
    expect(attached[0]!.accept).toBe(opened().mesh.accept);
    await expect(api.attachLink('not a node id', port2)).rejects.toThrow(/invalid node id/);
    await expect(api.attachLink(PEER, {} as MessagePort)).rejects.toThrow(/MessagePort/);
    expect(attached).toHaveLength(1);
  });

  it('links no peer before the stored proofs are checked (docs/security.md, "Stored proofs on load")', async () => {
    let checked!: () => void;
    const gate = new Promise<void>((resolve) => (checked = resolve));
    const attached: NodeId[] = [];
    const api = createWorkerApi({
      open: async () => {
        const r = await running();
        r.node.storedChecked = () => gate;
        return r;
      },
      attachPort: (peer) => attached.push(peer),
      shapeLinks: () => {},
      proxy: (value) => value,
      transfer: (value) => value,
      log: () => {},
    });
    // The node is up (the picture can be read) before the check has run.
    await api.start({ lattice: 'alpha' });
    expect(await api.list()).toEqual([]);
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const linking = api.attachLink(PEER, port1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(attached).toEqual([]);
    checked();
    await linking;
    expect(attached).toEqual([PEER]);
  });

  it('returns watch unsubscribe as a proxy and logs a listener that has gone away', async () => {
    const { api, proxied, logged } = served();
    await api.start({ lattice: 'alpha' });
    const batches: ChangeBatch[] = [];
    const unsubscribe = api.watch((batch) => {
      batches.push(batch);
      // A comlink listener of a closed page rejects.
      return Promise.reject(new Error('gone')) as unknown as void;
    });
    expect(proxied).toEqual([unsubscribe]);
    await api.create({ id: 'w', components: { threat: { level: 'LOW' } } });
    await expect.poll(() => logged).toEqual(['watcher unreachable']);
    expect(batches.flatMap((b) => b.changed.map((e) => e.id))).toEqual(['w']);
    unsubscribe();
    await api.create({ id: 'w2', components: { threat: { level: 'LOW' } } });
    await new Promise((r) => setTimeout(r, 0));
    expect(batches).toHaveLength(1);
  });
  it('keeps one change batch in flight per watcher: what changes meanwhile waits, merged into the next', async () => {
    const { api } = served();
    await api.start({ lattice: 'alpha' });
    const batches: ChangeBatch[] = [];
    const taken: (() => void)[] = [];
    // A page busy elsewhere: its comlink listener settles only when the page has run it.
    api.watch((batch) => {
      batches.push(batch);
      return new Promise<void>((resolve) => taken.push(resolve)) as unknown as void;
    });
    // Batches of views; the approvals cue (HIGH raises a request) may go alone meanwhile, without views.
    const bulk = (): ChangeBatch[] => batches.filter((b) => b.changed.length + b.removed.length > 0);
    await api.create({ id: 'a', components: { threat: { level: 'LOW' } } });
    await expect.poll(() => batches.length).toBe(1);
    for (let i = 0; i < 20; i++) await api.update('a', { threat: { level: i % 2 === 0 ? 'HIGH' : 'LOW' } });
    await api.create({ id: 'b', components: { threat: { level: 'LOW' } } });
    await new Promise((r) => setTimeout(r, 0));
    // The page has not taken the first batch: no more views are posted to it.
    expect(bulk()).toHaveLength(1);
    expect(batches.slice(1).every((b) => b.approvals === true && b.approvalLists !== undefined)).toBe(true);
    taken.shift()!();
    await expect.poll(() => bulk().length).toBe(2);
    expect(bulk()[1]!.changed.map((v) => v.id)).toEqual(['a', 'b']);
    expect(bulk()[1]!.changed[0]!.components.threat).toEqual({ level: 'LOW' });
  });

  it('serves a compact feed: the picture first, then each change, their buffer transferred', async () => {
    const { api, transferred } = served();
    await api.start({ lattice: 'alpha' });
    await api.create({ id: 'old', components: { position: { lat: 58, lon: 17 } } });
    const compact: CompactBatch[] = [];
    api.watchCompact((batch) => void compact.push(batch));
    // Written before the first batch has left: it comes after it, never before.
    await api.create({ id: 'a', components: { position: { lat: 59, lon: 18 }, threat: { level: 'LOW' } } });
    const decoder = new CompactDecoder();
    const decoded: DecodedViews[] = [];
    const named = (): string[] => {
      while (decoded.length < compact.length) decoded.push(decoder.decode(compact[decoded.length]));
      return decoded.flatMap((d) => d.ids);
    };
    await expect.poll(named).toContain('a');
    expect(transferred).toEqual(compact.map((b) => b.buffer));
    expect(compact[0]!.snapshot).toBe(true);
    expect(decoded[0]!.ids).toEqual(['old']);
    expect(decoded[0]!.bases[0]).toEqual(await api.get('old'));
    expect(compact.slice(1).every((b) => b.snapshot === undefined)).toBe(true);
    // A position report crosses as its row alone, which the page completes into the node's view.
    const before = compact.length;
    await api.update('a', { position: { lat: 59.1, lon: 18 } });
    await expect.poll(() => compact.length).toBeGreaterThan(before);
    named();
    const moved = decoded[decoded.length - 1]!;
    expect(compact[compact.length - 1]!.views).toEqual([]);
    expect(viewOfRow(moved.bases[0]!, moved.columns, 0, (k) => moved.authors[k]!)).toEqual(await api.get('a'));
  });

  it('with approvalsOnly, hands a watcher the approvals cue alone, with the lists and no views', async () => {
    const { api } = served();
    await api.start({ lattice: 'alpha' });
    const cues: ChangeBatch[] = [];
    api.watch((batch) => void cues.push(batch), { approvalsOnly: true });
    await api.create({ id: 'a', components: { position: { lat: 59, lon: 18 }, threat: { level: 'LOW' } } });
    await api.update('a', { position: { lat: 59.1, lon: 18 } });
    await new Promise((r) => setTimeout(r, 0));
    expect(cues).toEqual([]);
    // HIGH raises an approval request: the cue.
    await api.update('a', { threat: { level: 'HIGH' } });
    await expect.poll(() => cues.length).toBeGreaterThan(0);
    expect(cues.every((b) => b.changed.length === 0 && b.approvals === true && b.approvalLists !== undefined)).toBe(
      true,
    );
  });
});
