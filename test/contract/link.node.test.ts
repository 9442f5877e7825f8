import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../src/adapters/memory-transport';
import { PortLink } from '../../src/adapters/port-link';
import { LinkShaping } from '../../src/adapters/shaped-link';
import { CHANNEL, withChannel } from '../../src/adapters/webrtc/frame-channel';
import { workerBridge } from '../../src/app/mesh/worker-bridge';
import type { AcceptLink, Link, LinkHandler } from '../../src/ports/transport';
import { NODE_A, NODE_B, runLinkContract, type LinkPair } from './link-contract';

const api = { describe, it, expect };

runLinkContract(
  'in-memory network',
  async (atA, atB): Promise<LinkPair> => {
    const net = new MemoryNetwork({ seed: 1 });
    let a: Link | undefined;
    let b: Link | undefined;
    net.connect(
      { id: NODE_A, accept: (link) => ((a = link), atA) },
      { id: NODE_B, accept: (link) => ((b = link), atB) },
    );
    return {
      a: a!,
      b: b!,
      settle: async () => void net.run(),
      teardown: async () => undefined,
    };
  },
  api,
);

/**
 * The MessagePort bridge as the app wires it: node A is the worker's PortLink, node B the page's
 * end of the bridge (workerBridge), which the page feeds from and to the data channel with the
 * channel byte in front. Node's MessageChannel stands in for the browser's. `wrap` stands for what
 * the worker puts between the PortLink and its mesh (workers/node-worker.ts: the link shaper).
 */
function bridgePair(wrap: (accept: AcceptLink) => AcceptLink = (accept) => accept, turns = 3) {
  return async (atA: LinkHandler, atB: LinkHandler): Promise<LinkPair> => {
    const ports: MessagePort[] = [];
    let resolveLink: (link: Link) => void = () => undefined;
    const linked = new Promise<Link>((resolve) => (resolveLink = resolve));
    const openBridge = workerBridge(
      {
        async attachLink(peer, port) {
          ports.push(port);
          new PortLink({
            peer: peer as typeof NODE_B,
            port,
            log: () => undefined,
            accept: wrap((link): LinkHandler => (resolveLink(link), atA)),
          });
        },
      },
      () => undefined,
    );
    const bridged = openBridge(NODE_B, {
      frame: (bytes) => {
        if (bytes[0] === CHANNEL.sync) atB.receive(bytes.subarray(1));
      },
      close: (reason) => atB.closed(reason),
    });
    const b: Link = {
      peer: NODE_A,
      send: (frame) => bridged.deliver(withChannel(CHANNEL.sync, frame)),
      bufferedAmount: 0,
      close: (reason) => bridged.close(reason),
    };
    const a = await linked;
    // A port delivers on later turns of the event loop: a few timer turns let everything posted arrive.
    const settle = async (): Promise<void> => {
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    return {
      a,
      b,
      settle,
      teardown: async () => {
        for (const port of ports) port.close();
      },
    };
  };
}

runLinkContract('MessagePort bridge (PortLink ⇄ workerBridge)', bridgePair(), api);

/**
 * The same bridge with the worker's link shaper between the PortLink and the mesh, as every link
 * of the app now has it (`shapeLinks`, docs/budgeter.md): a shaped link (no rate limit, 2 ms of
 * latency and jitter, no loss) must still keep every promise of a Link.
 */
runLinkContract(
  'MessagePort bridge, shaped (LinkShaping ⇄ PortLink ⇄ workerBridge)',
  bridgePair((accept) => {
    const shaping = new LinkShaping(() => performance.now(), {
      after: (ms, fn) => clearTimeout.bind(undefined, setTimeout(fn, ms)),
    });
    shaping.set({ bytesPerSecond: Infinity, latencyMs: 2, jitterMs: 2, loss: 0, seed: 5 });
    return shaping.accept(accept);
  }, 6),
  api,
);
