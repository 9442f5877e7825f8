import { webCryptoVerifier } from '../../adapters/identity/webcrypto-verifier';
import { BroadcastSignaling } from '../../adapters/signaling/broadcast-signaling';
import { RelaySignaling } from '../../adapters/signaling/relay-signaling';
import { WebSocketSignaling, signalingUrl } from '../../adapters/signaling/websocket-signaling';
import { simplePeerFactory } from '../../adapters/webrtc/simple-peer-connection';
import type { NodeId } from '../../core/ids';
import { SIGNALING_KINDS, type SignalingKind, type SignalingTransport } from '../../ports/signaling';
import type { Signer } from '../../ports/signer';
import { LinkManager } from './link-manager';
import { DEFAULT_TIMING } from './mesh-types';
import { Pairing } from './pairing';
import { workerBridge, type LinkAttachApi } from './worker-bridge';

export interface MeshOptions {
  readonly self: NodeId;
  readonly lattice: string;
  readonly worker: LinkAttachApi;
  /** The node's identity key, which proves its id to the signaling server. */
  readonly signer: Signer | Promise<Signer>;
  /** Signaling paths to use (default all); manual pairing is always available. */
  readonly paths?: readonly SignalingKind[];
  readonly log?: (message: string, detail?: unknown) => void;
}

export interface Mesh {
  readonly manager: LinkManager;
  readonly pairing: Pairing;
  readonly paths: readonly SignalingKind[];
  stop(): void;
}

/** `?signal=broadcast,websocket,relay` (any subset) picks the paths; unknown names are ignored. */
export function parsePaths(param: string | null): SignalingKind[] {
  if (param === null || param.trim() === '') return [...SIGNALING_KINDS];
  const wanted = param.split(',').map((s) => s.trim());
  return SIGNALING_KINDS.filter((k) => wanted.includes(k));
}

/** Wires the page's mesh: signaling paths, simple-peer connections, and the bridge to the worker. */
export function startMesh(options: MeshOptions): Mesh {
  const log = options.log ?? ((m: string, d?: unknown) => console.warn(`[lattice mesh] ${m}`, d ?? ''));
  const paths = options.paths ?? SIGNALING_KINDS;
  const { self, lattice } = options;
  const relay: RelaySignaling | undefined = paths.includes('relay')
    ? new RelaySignaling({
        self,
        lattice,
        log,
        signer: options.signer,
        verifier: webCryptoVerifier(),
        network: {
          neighbours: (): NodeId[] => manager.connectedPeers(),
          send: (peer, payload): boolean => manager.sendRelay(peer, payload),
        },
      })
    : undefined;
  const transports: SignalingTransport[] = [];
  if (paths.includes('broadcast')) {
    transports.push(
      new BroadcastSignaling({ self, lattice, log, signer: options.signer, verifier: webCryptoVerifier() }),
    );
  }
  if (paths.includes('websocket')) {
    transports.push(
      new WebSocketSignaling({
        url: signalingUrl(location.href),
        self,
        lattice,
        log,
        announce: () => manager.announceSignal(undefined),
        signer: options.signer,
      }),
    );
  }
  if (relay !== undefined) transports.push(relay);
  const manager: LinkManager = new LinkManager({
    self,
    lattice,
    transports,
    ...(relay === undefined ? {} : { relay }),
    createPeer: simplePeerFactory(),
    openBridge: workerBridge(options.worker, log),
    log,
  });
  const pairing = new Pairing(manager, DEFAULT_TIMING.pairingTimeoutMs);
  manager.start();
  const stop = (): void => {
    pairing.cancel();
    manager.stop();
  };
  // Tell the lattice we are leaving, so peers stop retrying instead of waiting for a dead link.
  addEventListener('pagehide', stop);
  // A page restored from the back-forward cache has a stopped mesh: start it afresh.
  addEventListener('pageshow', (event: PageTransitionEvent) => {
    if (event.persisted) location.reload();
  });
  return { manager, pairing, paths, stop };
}
