import type { PeerStats } from '../../core/sync';
import { asNodeId, type NodeId } from '../../core/ids';
import type { LinkState, MeshApi, PeerView } from '../../node/lattice-api';
import type { WorkerApi } from '../../node/worker-api';
import type { LinkView } from './mesh-types';
import type { Mesh } from './start-mesh';

/** The worker calls the mesh handle makes. */
export type MeshWorkerApi = Pick<WorkerApi, 'meshPeers' | 'syncStatus' | 'securityStats'>;

export function createMeshHandle(mesh: Promise<Mesh>, worker: MeshWorkerApi): MeshApi {
  const withMesh = async <T>(fn: (m: Mesh) => T | Promise<T>): Promise<T> => fn(await mesh);
  // The mesh once started: securityStats() does not wait for it (the worker's counts come first).
  let started: Mesh | undefined;
  mesh.then(
    (m) => (started = m),
    () => undefined,
  );
  const optionalPeer = (peerId: string | undefined): NodeId | undefined =>
    peerId === undefined ? undefined : asNodeId(peerId);
  return {
    peers: () =>
      withMesh(async (m) => {
        const sessions = new Map((await worker.meshPeers()).map((s) => [s.peer, s]));
        return m.manager.peers().map((link) => joinPeer(link, sessions.get(link.id)));
      }),
    partition: (peerId) => withMesh((m) => m.manager.partition(optionalPeer(peerId))),
    heal: (peerId) => withMesh((m) => m.manager.heal(optionalPeer(peerId))),
    syncStatus: () =>
      withMesh(async (m) => {
        const links: Record<LinkState, number> = { connecting: 0, connected: 0, disconnected: 0, refused: 0 };
        for (const p of m.manager.peers()) links[p.state] += 1;
        return { ...(await worker.syncStatus()), links };
      }),
    securityStats: async () => ({ ...(await worker.securityStats()), signals: signalsRefused(started) }),
    signaling: () => withMesh((m) => m.manager.signaling()),
    pairing: {
      createOffer: () => withMesh((m) => m.pairing.createOffer()),
      acceptOffer: (text) => withMesh((m) => m.pairing.acceptOffer(text)),
      acceptAnswer: (text) => withMesh((m) => m.pairing.acceptAnswer(text)),
      cancel: () => void mesh.then((m) => m.pairing.cancel()),
    },
  };
}

/** Signals the page refused, by reason: every path's boundary refusals and the link manager's drops. */
function signalsRefused(m: Mesh | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (m === undefined) return out;
  const add = (counts: Readonly<Record<string, number>>): void => {
    for (const [reason, n] of Object.entries(counts)) out[reason] = (out[reason] ?? 0) + n;
  };
  for (const path of m.manager.signaling()) add(path.invalid);
  add(m.manager.dropped());
  return out;
}

function joinPeer(link: LinkView, session: PeerStats | undefined): PeerView {
  // A session of a link the page already dropped is stale: report only what the link says.
  const live = link.state === 'connected' ? session : undefined;
  return {
    id: link.id,
    state: link.state,
    rttMs: live?.rttMs,
    bytesIn: link.bytesIn,
    bytesOut: link.bytesOut,
    pictureAgeMs: live?.pictureAgeMs,
    syncProgress: live === undefined ? undefined : progress(live),
    syncState: live?.state,
    stuck: live?.stuck ?? 0,
    connectedSince: link.connectedSince,
    bufferedAmount: link.bufferedAmount,
    initiator: link.initiator,
    attempts: link.attempts,
    via: link.via,
    lastError: link.lastError,
    paired: link.paired,
    clockSkewMs: live?.clockSkewMs,
    lastSyncAt: live?.lastSyncAt,
    versionsIn: live?.versionsIn ?? 0,
    versionsOut: live?.versionsOut ?? 0,
  };
}

function progress(s: PeerStats): number {
  if (s.state === 'synced') return 1;
  if (s.state !== 'syncing') return 0;
  const { received, needed } = s.progress;
  return needed === 0 ? 0 : Math.min(1, received / needed);
}
