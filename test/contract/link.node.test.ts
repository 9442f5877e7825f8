import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../src/adapters/memory-transport';
import { PortLink } from '../../src/adapters/port-link';
import { CHANNEL, withChannel } from '../../src/adapters/webrtc/frame-channel';
import { workerBridge } from '../../src/app/mesh/worker-bridge';
import type { Link, LinkHandler } from '../../src/ports/transport';
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
 * channel byte in front. Node's MessageChannel stands in for the browser's.
 */
runLinkContract(
  'MessagePort bridge (PortLink ⇄ workerBridge)',
  async (atA, atB): Promise<LinkPair> => {
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
            accept: (link): LinkHandler => (resolveLink(link), atA),
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
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    return {
      a,
      b,
      settle,
      teardown: async () => {
        for (const port of ports) port.close();
      },
    };
  },
  api,
);
