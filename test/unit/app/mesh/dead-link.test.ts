/**
 * Dead-link detection end to end, now that the heartbeat lives in the worker: a peer that
 * handshakes and then falls silent → our PeerSession declares it dead → MeshLink shuts → PortLink
 * posts `close` → the page's bridge → RtcLink ends (`worker: dead…`) → the LinkManager reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBacking, MemoryStorage } from '../../../../src/adapters/memory-storage';
import { PortLink } from '../../../../src/adapters/port-link';
import { LinkManager } from '../../../../src/app/mesh/link-manager';
import { workerBridge, type OpenBridge } from '../../../../src/app/mesh/worker-bridge';
import type { NodeId } from '../../../../src/core/ids';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from '../../../../src/core/sync';
import { LatticeNode } from '../../../../src/node/lattice-node';
import { MeshNode } from '../../../../src/node/mesh';
import { sleep, until } from '../../support/wait';
import { FakeHub, FakePeerNet } from './fakes';
import { signedProof, testIdentity, testSecurity } from '../../support/test-keys';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** The worker of node `a`: a real LatticeNode + MeshNode; links arrive as PortLinks over MessagePorts. */
async function worker(log: string[]): Promise<OpenBridge> {
  const node = await LatticeNode.open({
    nodeId: 'a' as NodeId,
    lattice: 'alpha',
    storage: new MemoryStorage({ backing: createMemoryBacking() }),
    backend: 'memory',
    now: () => Date.now(),
    newId: () => `e${Math.random()}`,
    scheduleChanges: (fn) => fn(),
  });
  const mesh = new MeshNode({
    node,
    security: await testSecurity('a', () => Date.now()),
    now: () => Date.now(),
    session: { heartbeatMs: 100, deadAfterMs: 400 },
    log: (m) => log.push(m),
  });
  const timer = setInterval(() => mesh.tick(), 25);
  stops.push(() => {
    clearInterval(timer);
    mesh.close();
  });
  const api = {
    attachLink: async (peer: string, port: MessagePort): Promise<void> => {
      new PortLink({ peer: peer as NodeId, port, accept: mesh.accept, log: (m) => log.push(m) });
    },
  };
  return workerBridge(api, (m) => log.push(m));
}

/**
 * Node `b`'s page: its "worker" says hello on each link, answers the peer's hello with its proof
 * (the handshake completes), then never says anything again.
 */
const silentAfterHello: OpenBridge = (_peer, events) => {
  const nonce = new Uint8Array(16).fill(3);
  const hello = encodeMessage({
    type: MessageType.Hello,
    protocol: SYNC_PROTOCOL_VERSION,
    node: 'b' as NodeId,
    lattice: 'alpha',
    time: Date.now(),
    key: testIdentity('b').publicKey,
    nonce,
    items: 0,
    newest: 0,
  });
  queueMicrotask(() => events.frame(new Uint8Array([0, ...hello])));
  const deliver = (bytes: Uint8Array): void => {
    let m: SyncMessage;
    try {
      m = decodeMessage(bytes.subarray(1));
    } catch {
      return;
    }
    if (m.type !== MessageType.Hello) return;
    const proof = signedProof('b', {
      lattice: 'alpha',
      challenge: m.nonce,
      nonce,
      prover: 'b' as NodeId,
      verifier: m.node,
    });
    events.frame(new Uint8Array([0, ...encodeMessage(proof)]));
  };
  return { deliver, signal: () => undefined, report: () => undefined, close: () => undefined };
};

describe('a silent peer, end to end', () => {
  it('is declared dead in the worker, and the page ends the WebRTC link and reconnects', async () => {
    const hub = new FakeHub();
    const net = new FakePeerNet();
    const log: string[] = [];
    const manager = (id: string, openBridge: OpenBridge): LinkManager => {
      const m = new LinkManager({
        self: id as NodeId,
        lattice: 'alpha',
        transports: [hub.transport(id as NodeId)],
        createPeer: net.factory(),
        openBridge,
        timing: { connectTimeoutMs: 1500, reportMs: 200, reannounceMs: 60_000, maxAttempts: 6 },
        log: () => undefined,
      });
      stops.push(() => m.stop());
      return m;
    };
    const a = manager('a', await worker(log));
    const b = manager('b', silentAfterHello);
    a.start();
    b.start();
    await until('linked', () => a.peers().find((p) => p.id === 'b')?.state === 'connected');
    const created = net.created;
    await until('the page saw the worker end it', () =>
      (a.peers().find((p) => p.id === 'b')?.lastError ?? '').startsWith('worker: dead: nothing heard'),
    );
    expect(log.some((m) => /link to b closed: dead: nothing heard/.test(m))).toBe(true);
    await until(
      'reconnected',
      () => net.created > created && a.peers().find((p) => p.id === 'b')?.state === 'connected',
    );
    await sleep(10);
  });
});
