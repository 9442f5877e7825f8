import { afterEach, describe, expect, it } from 'vitest';
import { PortLink, RELAY_QUIET_MS } from '../../../src/adapters/port-link';
import { FlowSender } from '../../../src/adapters/webrtc/flow-sender';
import { workerBridge, type BridgedLink } from '../../../src/app/mesh/worker-bridge';
import type { NodeId } from '../../../src/core/ids';
import { MAX_FRAME_BYTES, type Link, type LinkHandler } from '../../../src/ports/transport';
import { sleep, until } from '../support/wait';

interface Wired {
  link: Link;
  bridged: BridgedLink;
  fromWorker: Uint8Array[];
  toWorker: Uint8Array[];
  closedInWorker: string[];
  closedOnPage: string[];
  /** Relayed-signaling messages the page handed to the worker. */
  signals: Uint8Array[];
  /** Messages the worker's side posted to the page. */
  posts: number;
  /** What the page heard, in order: a frame's first payload byte, or 'lingering'. */
  heard: (number | 'lingering')[];
}

let ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  ports = [];
});

/** The page's bridge and the worker's PortLink over a real MessageChannel (Node's). */
async function wire(): Promise<Wired> {
  const w: Partial<Wired> = {
    fromWorker: [],
    toWorker: [],
    closedInWorker: [],
    closedOnPage: [],
    signals: [],
    posts: 0,
    heard: [],
  };
  let linkReady: (l: Link) => void;
  const linked = new Promise<Link>((r) => (linkReady = r));
  const open = workerBridge(
    {
      async attachLink(peer, port) {
        ports.push(port);
        const post = port.postMessage.bind(port) as (message: unknown, transfer?: Transferable[]) => void;
        port.postMessage = ((message: unknown, transfer?: Transferable[]): void => {
          w.posts! += 1;
          post(message, transfer);
        }) as typeof port.postMessage;
        new PortLink({
          peer: peer as NodeId,
          port,
          log: () => undefined,
          accept: (link): LinkHandler => {
            linkReady(link);
            return {
              receive: (frame) => w.toWorker!.push(frame.slice()),
              closed: (reason) => w.closedInWorker!.push(reason),
              signal: (payload) => w.signals!.push(payload.slice()),
            };
          },
        });
      },
    },
    () => undefined,
  );
  w.bridged = open('peer1' as NodeId, {
    frame: (bytes) => {
      w.fromWorker!.push(bytes);
      w.heard!.push(bytes[1]!);
    },
    close: (reason) => w.closedOnPage!.push(reason),
    lingering: () => void w.heard!.push('lingering'),
  });
  w.link = await linked;
  return w as Wired;
}

describe('the worker bridge and PortLink', () => {
  it('posts the frames of one turn as one port message, in order', async () => {
    const w = await wire();
    const before = w.posts;
    for (let i = 1; i <= 5; i++) w.link.send(new Uint8Array([i, i]));
    await until('five frames on the page', () => w.fromWorker.length === 5);
    expect(w.fromWorker.map((f) => [...f])).toEqual([1, 2, 3, 4, 5].map((i) => [0, i, i]));
    expect(w.posts - before).toBe(1);
  });

  it('takes relayed signaling to the worker and back out on the relay channel (through the budget in between)', async () => {
    const w = await wire();
    w.bridged.signal(new Uint8Array([7, 8, 9]));
    await until('the signal in the worker', () => w.signals.length === 1);
    expect([...w.signals[0]!]).toEqual([7, 8, 9]);
    expect(w.fromWorker).toEqual([]);
    w.link.sendSignal?.(w.signals[0]!);
    await until('the signal back on the page', () => w.fromWorker.length === 1);
    expect([...w.fromWorker[0]!]).toEqual([1, 7, 8, 9]);
  });

  it('tells the page a refused link only lingers, after the frames sent before it (the bye)', async () => {
    const w = await wire();
    w.link.send(new Uint8Array([5]));
    w.link.lingering?.();
    await until('the page heard both', () => w.heard.length === 2);
    expect(w.heard).toEqual([5, 'lingering']);
    expect(w.closedOnPage).toEqual([]);
  });

  it('moves frames both ways with the channel byte handled on each side', async () => {
    const w = await wire();
    expect(w.link.peer).toBe('peer1');
    w.bridged.deliver(new Uint8Array([0, 1, 2, 3]));
    w.link.send(new Uint8Array([9, 8]));
    await until('both frames', () => w.toWorker.length === 1 && w.fromWorker.length === 1);
    expect([...w.toWorker[0]!]).toEqual([1, 2, 3]);
    expect([...w.fromWorker[0]!]).toEqual([0, 9, 8]);
  });

  it('reports bufferedAmount from the page plus what is still crossing', async () => {
    const w = await wire();
    w.link.send(new Uint8Array(1000));
    expect(w.link.bufferedAmount).toBe(1001);
    w.bridged.report(500, 1001);
    await until('the report', () => w.link.bufferedAmount === 500);
    w.bridged.report(0, 1001);
    await until('drained', () => w.link.bufferedAmount === 0);
  });

  it('refuses frames over the link limit', async () => {
    const w = await wire();
    expect(() => w.link.send(new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(RangeError);
  });

  it('tells the worker when the data channel closes', async () => {
    const w = await wire();
    w.bridged.close('ERR_ICE_CONNECTION_FAILURE');
    await until('closed', () => w.closedInWorker.length === 1);
    expect(w.closedInWorker).toEqual(['ERR_ICE_CONNECTION_FAILURE']);
    w.link.send(new Uint8Array([1]));
    await sleep(20);
    expect(w.fromWorker).toEqual([]);
  });

  it('tells the page when the worker closes the link', async () => {
    const w = await wire();
    w.link.close('handshake failed');
    await until('closed', () => w.closedOnPage.length === 1);
    expect(w.closedOnPage).toEqual(['handshake failed']);
    // The mesh closed it itself: it is not told again.
    expect(w.closedInWorker).toEqual([]);
  });
});

describe('FlowSender', () => {
  function channel() {
    const sent: number[] = [];
    const ch = {
      bufferedAmount: 0,
      send(bytes: Uint8Array) {
        sent.push(bytes.byteLength);
        ch.bufferedAmount += bytes.byteLength;
      },
    };
    return { ch, sent };
  }

  it('stops at the high-water mark, queues, and drains when the channel empties', () => {
    const { ch, sent } = channel();
    const flow = new FlowSender(ch, { highWaterMark: 1000, maxQueuedBytes: 5000 });
    expect(flow.enqueue(new Uint8Array(600))).toBe('sent');
    expect(flow.enqueue(new Uint8Array(600))).toBe('sent');
    expect(flow.enqueue(new Uint8Array(600))).toBe('queued');
    expect(flow.enqueue(new Uint8Array(100))).toBe('queued');
    expect(flow.bufferedAmount).toBe(1900);
    ch.bufferedAmount = 200; // the channel sent most of it: bufferedamountlow
    flow.drain();
    expect(sent).toEqual([600, 600, 600, 100]);
    expect(flow.bufferedAmount).toBe(900);
  });

  it('keeps order: nothing overtakes a queued frame', () => {
    const { ch, sent } = channel();
    const flow = new FlowSender(ch, { highWaterMark: 100, maxQueuedBytes: 5000 });
    flow.enqueue(new Uint8Array(150));
    flow.enqueue(new Uint8Array(10));
    ch.bufferedAmount = 0;
    expect(flow.enqueue(new Uint8Array(20))).toBe('queued');
    flow.drain();
    expect(sent).toEqual([150, 10, 20]);
  });

  it('reports an overflow and oversized frames instead of dropping them silently', () => {
    const { ch } = channel();
    const flow = new FlowSender(ch, { highWaterMark: 10, maxQueuedBytes: 100 });
    flow.enqueue(new Uint8Array(20));
    expect(flow.enqueue(new Uint8Array(90))).toBe('queued');
    expect(flow.enqueue(new Uint8Array(20))).toBe('overflow');
    expect(flow.enqueue(new Uint8Array(256 * 1024 + 1))).toBe('too-large');
  });
  it('reports the page stalled once it has posted nothing for longer than its reporting period', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    let now = 1_000;
    const link = new PortLink({
      peer: 'peer1' as NodeId,
      port: port1,
      log: () => undefined,
      now: () => now,
      accept: (): LinkHandler => ({ receive: () => undefined, closed: () => undefined }),
    });
    expect(link.stalledMs!(now + RELAY_QUIET_MS)).toBe(0);
    expect(link.stalledMs!(now + RELAY_QUIET_MS + 500)).toBe(500);
    now += 10_000;
    // The page's buffered-amount report (it posts one every 2 s while it runs).
    port2.postMessage({ type: 'buffered', amount: 0, accepted: 0 });
    await until('the report', () => link.stalledMs!(now + RELAY_QUIET_MS + 1) === 1);
    expect(link.stalledMs!(now + 1_000)).toBe(0);
  });
});
