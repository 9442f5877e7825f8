import * as Comlink from 'comlink';
import { clipReason, isFromWorker, type ToWorker } from '../../adapters/port-link-messages';
import type { NodeId } from '../../core/ids';
import type { WorkerApi } from '../../node/worker-api';

/** The part of the worker API the bridge uses. */
export type LinkAttachApi = Pick<WorkerApi, 'attachLink'>;

export interface BridgeEvents {
  /** A sync frame from the worker, channel byte included, ready for the data channel. */
  frame(bytes: Uint8Array): void;
  /** The worker's mesh closed the link (e.g. a failed handshake). */
  close(reason: string): void;
  /** The worker refused the peer and only waits for it to close: it no longer counts as an open link. */
  lingering?(): void;
}

/** One connected peer's MessagePort to the worker. */
export interface BridgedLink {
  /** A sync frame from the data channel (channel byte included) for the worker. */
  deliver(bytes: Uint8Array): void;
  /**
   * A relayed-signaling message (no channel byte) for the peer: the worker sends it through the
   * link's budget and hands it back as a frame on the relay channel (docs/budgeter.md).
   */
  signal(payload: Uint8Array): void;
  /** Tells the worker how many bytes wait on this side, and how many it has taken in total. */
  report(buffered: number, accepted: number): void;
  /** The data channel is gone: tell the worker and release the port. */
  close(reason: string): void;
}

export type OpenBridge = (peer: NodeId, events: BridgeEvents) => BridgedLink;

/**
 * For each connected peer a MessageChannel: one port goes to the worker (`attachLink`), the page
 * keeps the other. Frames cross as transferred ArrayBuffers, so nothing large is cloned.
 */
export function workerBridge(api: LinkAttachApi, log: (message: string, detail?: unknown) => void): OpenBridge {
  return (peer, events) => {
    const { port1, port2 } = new MessageChannel();
    let open = true;
    const end = (): void => {
      open = false;
      port1.onmessage = null;
      port1.close();
    };
    port1.onmessage = (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (!isFromWorker(message)) return log(`bridge ${peer}: malformed message from the worker`);
      switch (message.type) {
        case 'frame':
          return events.frame(new Uint8Array(message.data));
        case 'frames':
          for (const data of message.data) if (open) events.frame(new Uint8Array(data));
          return;
        case 'close':
          end();
          return events.close(message.reason);
        case 'lingering':
          return events.lingering?.();
        default: {
          const never: never = message;
          log(`bridge ${peer}: unknown message`, never);
        }
      }
    };
    api.attachLink(peer, Comlink.transfer(port2, [port2])).catch((error: unknown) => {
      log(`bridge ${peer}: the worker refused the link`, error);
      if (!open) return;
      end();
      events.close('worker-unavailable');
    });
    const post = (message: ToWorker, transfer: Transferable[] = []): void => {
      if (open) port1.postMessage(message, transfer);
    };
    return {
      deliver(bytes) {
        // simple-peer hands us a view over the whole received ArrayBuffer: move it, do not copy it.
        const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
        const data = whole ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
        post({ type: 'frame', data }, [data]);
      },
      signal(payload) {
        const data = payload.slice().buffer;
        post({ type: 'relay', data }, [data]);
      },
      report(buffered, accepted) {
        post({ type: 'buffered', amount: buffered, accepted });
      },
      close(reason) {
        if (!open) return;
        post({ type: 'closed', reason: clipReason(reason) });
        end();
      },
    };
  };
}
