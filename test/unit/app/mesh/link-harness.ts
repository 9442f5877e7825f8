/**
 * LinkManagers, signaling and fake WebRTC on one manual clock, for the link manager's tests and the
 * attack suite's spoofed signals: the tests take no real time.
 */
import { afterEach } from 'vitest';
import { RelaySignaling } from '../../../../src/adapters/signaling/relay-signaling';
import { LinkManager } from '../../../../src/app/mesh/link-manager';
import type { BridgeEvents } from '../../../../src/app/mesh/worker-bridge';
import type { NodeId } from '../../../../src/core/ids';
import type { SignalingTransport } from '../../../../src/ports/signaling';
import { syncSigner, syncVerifier, testIdentity } from '../../support/test-keys';
import { FakeHub, FakePeerNet, fakeBridge } from './fakes';
import { ManualClock } from './manual-clock';

export const TIMING = { connectTimeoutMs: 1500, reportMs: 200, reannounceMs: 60_000, maxAttempts: 6 };

let managers: LinkManager[] = [];

afterEach(() => {
  for (const m of managers) m.stop();
  managers = [];
});

export interface Setup {
  readonly clock: ManualClock;
  readonly hub: FakeHub;
  readonly net: FakePeerNet;
}

/** Managers, signaling and fake WebRTC all on one manual clock: the tests take no real time. */
export function setup(): Setup {
  const clock = new ManualClock();
  return { clock, hub: new FakeHub(clock), net: new FakePeerNet(clock) };
}

/** Lets what the last step queued (promise callbacks, the fake worker's hello) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the mesh for `ms` of clock time, a millisecond at a time. */
export async function run({ clock }: Setup, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    clock.advance(1);
    await settle();
  }
}

/** Runs the mesh until `check` holds, failing after `ms` of clock time. */
export async function runUntil({ clock }: Setup, what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = clock.now() + ms;
  await settle();
  while (!check()) {
    if (clock.now() >= end) throw new Error(`no ${what} after ${ms} ms`);
    clock.advance(1);
    await settle();
  }
}

/** Each node's relayed-signaling path, for tests that play a hostile relay. */
export const relays = new Map<NodeId, RelaySignaling>();

export function node(
  { clock, hub, net }: Setup,
  id: string,
  options: {
    lattice?: string;
    maxLinks?: number;
    relay?: boolean;
    hub?: boolean;
    delivered?: Uint8Array[];
    workers?: Map<NodeId, BridgeEvents>;
    signals?: Uint8Array[];
  } = {},
): LinkManager {
  const self = id as NodeId;
  const lattice = options.lattice ?? 'alpha';
  const relay: RelaySignaling | undefined = options.relay
    ? new RelaySignaling({
        self,
        lattice,
        log: () => undefined,
        now: () => clock.now(),
        signer: syncSigner(testIdentity(id)),
        verifier: syncVerifier('named'),
        network: {
          neighbours: (): NodeId[] => manager.connectedPeers(),
          send: (peer, payload): boolean => manager.sendRelay(peer, payload),
        },
      })
    : undefined;
  const transports: SignalingTransport[] = [];
  if (options.hub ?? true) transports.push(hub.transport(self));
  if (relay !== undefined) {
    transports.push(relay);
    relays.set(self, relay);
  }
  const manager: LinkManager = new LinkManager({
    self,
    lattice,
    transports,
    ...(relay === undefined ? {} : { relay }),
    createPeer: net.factory(),
    openBridge: fakeBridge(
      [],
      options.delivered,
      new Uint8Array([0, ...new TextEncoder().encode(`hello ${id}`)]),
      options.workers,
      options.signals,
    ),
    timing: TIMING,
    clock,
    ...(options.maxLinks === undefined ? {} : { maxLinks: options.maxLinks }),
    log: () => undefined,
  });
  managers.push(manager);
  return manager;
}

export const state = (m: LinkManager, peer: string): string | undefined => m.peers().find((p) => p.id === peer)?.state;
export const connected = (m: LinkManager): string[] => m.connectedPeers().sort();
