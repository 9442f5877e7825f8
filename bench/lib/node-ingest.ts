import { generateNodeKey, type NodeKey } from '../../src/adapters/identity/node-key';
import { signerOf } from '../../src/adapters/identity/node-signer';
import { webCryptoVerifier } from '../../src/adapters/identity/webcrypto-verifier';
import { MemoryStorage } from '../../src/adapters/memory-storage';
import type { NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { linkProofBytes } from '../../src/core/signing/link-proof';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  SessionState,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from '../../src/core/sync';
import { decodeVersions, IdCache } from '../../src/core/wire';
import { LatticeNode } from '../../src/node/lattice-node';
import { MeshNode } from '../../src/node/mesh';
import type { Scheduler } from '../../src/node/scheduler';
import { MeshSecurity } from '../../src/node/security/mesh-security';
import type { LinkHandler } from '../../src/ports/transport';

/**
 * Scenario 1 through the production ingest path (issue 8: "the benchmark includes what the
 * production path does"): a receiving LatticeNode + MeshSecurity + MeshNode wired as
 * workers/node-worker.ts wires them (WebCrypto Ed25519 verifier, the node's own WebCrypto key,
 * change feed scheduled 16 ms later, merge parts in tasks of their own), over MemoryStorage instead
 * of IndexedDB and without the roster's gate, fed `versions` frames by a scripted peer over an
 * in-memory link, one frame per macrotask (as a data channel's messages arrive). What runs per
 * frame is the worker's path: PeerSession.receive → AntiEntropy.onVersions (decode with the
 * session's IdCache, applied-rate budget, SHA-256 reconciliation id per version, hold-back check)
 * → MeshSecurity.verify (VersionVerifier, register budget) → LatticeNode.applyRemote (clock
 * observation, skew hold, merge, sync index, change feed, write-behind) → the live relay. Browser
 * code only (no node: imports), so it can run in a worker too.
 */

const LATTICE = 'bench';
/** Frames the scripted peer keeps in flight (the session holds later frames while one merges). */
const WINDOW_FRAMES = 8;
/** The worker's delay of change notifications (workers/node-worker.ts CHANGE_BATCH_MS). */
const CHANGE_BATCH_MS = 16;

/**
 * The worker's scheduler (workers/node-worker.ts `timers`) as Node has it: `soon` and `background`
 * there are scheduler.postTask, which Node lacks; setImmediate is Node's unclamped next task (a
 * nested setTimeout(0) waits ≥ 1 ms here, which would time the clamp rather than the merge).
 */
const nextTask = (fn: () => void): void => {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (g.setImmediate !== undefined) g.setImmediate(fn);
  else setTimeout(fn, 0);
};
const timers: Scheduler = {
  after: (ms, fn) => clearTimeout.bind(undefined, setTimeout(fn, ms)),
  background: nextTask,
  soon: nextTask,
};

/** A receiving node wired as the worker wires it, linked to one scripted sender. */
export interface Receiver {
  readonly node: LatticeNode;
  readonly mesh: MeshNode;
  readonly security: MeshSecurity;
  /** Versions handed to LatticeNode.applyRemote so far (what verification accepted). */
  readonly handed: () => number;
  /** Delivers `frames` (encoded `versions` batches) as live frames; resolves once `expect` versions are merged and written behind. */
  readonly ingest: (frames: readonly Uint8Array[], expect: number) => Promise<void>;
  readonly close: () => Promise<void>;
}

/**
 * `authorKeys`: the writers' public keys, known to the receiver from before (the worker's stored
 * author keys, MeshSecurity `stored`), so no `keys` frame is timed. `now`: the receiver's clock
 * (the writes must not be ahead of it, or they are held for skew).
 */
export async function openReceiver(
  authorKeys: readonly Uint8Array[],
  now: () => number,
  sender: NodeKey,
): Promise<Receiver> {
  const key = await generateNodeKey(now());
  const signer = signerOf(key);
  const storage = new MemoryStorage();
  const security = await MeshSecurity.create({
    self: key.nodeId,
    publicKey: key.publicKey,
    crypto: webCryptoVerifier(),
    signer,
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    now,
    log: () => undefined,
    stored: authorKeys,
    save: () => Promise.resolve(),
  });
  let counter = 0;
  const node = await LatticeNode.open({
    nodeId: key.nodeId,
    lattice: LATTICE,
    storage,
    backend: 'memory',
    now,
    newId: () => `local-${++counter}`,
    scheduleChanges: (fn) => setTimeout(fn, CHANGE_BATCH_MS),
    scheduler: timers,
    log: () => undefined,
    signer,
    checkStored: (versions) => security.verifier.checkStored(versions),
  });
  const mesh = new MeshNode({
    node,
    security,
    now,
    budgets: node.budgets,
    scheduler: timers,
    coalesceLocalMs: 0,
    session: { monotonic: () => performance.now() },
    log: () => undefined,
  });
  // Counts what the mesh hands the node (MeshNode's host.apply calls node.applyRemote): the
  // frames are merged once every version the peer sent has been handed over.
  let handed = 0;
  let wake: (() => void) | undefined;
  const apply = node.applyRemote.bind(node);
  node.applyRemote = (versions, source) => {
    const out = apply(versions, source);
    handed += versions.length;
    wake?.();
    return out;
  };
  const received: SyncMessage[] = [];
  let closing = false;
  const handler: LinkHandler = mesh.accept({
    peer: sender.nodeId,
    bufferedAmount: 0,
    send: (frame) => void received.push(decodeMessage(frame)),
    close: (reason) => {
      if (!closing) throw new Error(`the receiver closed the bench link: ${reason}`);
    },
  });
  // The sender's side of the handshake (not timed): hello, then its proof over the receiver's nonce.
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  handler.receive(
    encodeMessage({
      type: MessageType.Hello,
      protocol: SYNC_PROTOCOL_VERSION,
      node: sender.nodeId,
      lattice: LATTICE,
      time: now(),
      items: 0,
      newest: 0,
      key: sender.publicKey,
      nonce,
    } as SyncMessage),
  );
  await until(() => received.some((m) => m.type === MessageType.Hello), 'the receiver said no hello');
  const hello = received.find((m) => m.type === MessageType.Hello);
  if (hello?.type !== MessageType.Hello) throw new Error('no hello');
  const sig = await signerOf(sender).sign(
    linkProofBytes({
      lattice: LATTICE,
      challenge: hello.nonce,
      nonce,
      prover: sender.nodeId,
      verifier: key.nodeId,
    }),
  );
  handler.receive(encodeMessage({ type: MessageType.Proof, sig } as SyncMessage));
  await until(() => mesh.peers().some((p) => p.state !== SessionState.Handshake), 'the handshake did not complete');
  const ingest = async (frames: readonly Uint8Array[], expect: number): Promise<void> => {
    const base = handed;
    const target = base + expect;
    const perFrame = expect / frames.length;
    let next = 0;
    // Sends while fewer than WINDOW_FRAMES frames' worth of versions are sent and not yet handed over.
    const pump = (): void => {
      while (next < frames.length && next * perFrame - (handed - base) < WINDOW_FRAMES * perFrame) {
        const f = encodeMessage({ type: MessageType.Versions, live: true, completes: 0, batch: frames[next++]! });
        nextTask(() => handler.receive(f));
      }
    };
    await new Promise<void>((resolve, reject) => {
      const stuck = setTimeout(
        () => reject(new Error(`ingest stuck at ${handed} of ${target}: ${JSON.stringify(security.stats())}`)),
        600_000,
      );
      wake = () => {
        if (handed >= target) {
          clearTimeout(stuck);
          wake = undefined;
          resolve();
        } else pump();
      };
      pump();
    });
    // Write-behind: the batch's storage commit (MemoryStorage here, IndexedDB in the worker).
    await node.flushed();
  };
  return {
    node,
    mesh,
    security,
    handed: () => handed,
    ingest,
    close: async () => {
      closing = true;
      mesh.close();
      await node.close();
    },
  };
}

/**
 * The same frames unsigned, without the mesh: decode (with one IdCache, as a session keeps) +
 * LatticeNode.applyRemote (clock observation, merge, sync index, change feed, write-behind), for
 * the share of verification and of the session in the production row.
 */
export async function ingestNodeDirect(node: LatticeNode, frames: readonly Uint8Array[]): Promise<number> {
  const ids = new IdCache();
  let n = 0;
  for (const f of frames) {
    const versions: Version[] = decodeVersions(f, { ids });
    node.applyRemote(versions);
    n += versions.length;
  }
  await node.flushed();
  return n;
}

/** A plain receiving node (the worker's options, MemoryStorage, no mesh). */
export async function openPlainNode(now: () => number): Promise<LatticeNode> {
  let counter = 0;
  return await LatticeNode.open({
    nodeId: '0'.repeat(32) as NodeId,
    lattice: LATTICE,
    storage: new MemoryStorage(),
    backend: 'memory',
    now,
    newId: () => `local-${++counter}`,
    scheduleChanges: (fn) => setTimeout(fn, CHANGE_BATCH_MS),
    scheduler: timers,
    log: () => undefined,
  });
}

async function until(done: () => boolean, failure: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(failure);
}
