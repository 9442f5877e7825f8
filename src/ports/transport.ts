import type { NodeId } from '../core/ids';
import { MAX_SYNC_FRAME_BYTES } from '../core/sync/codec';

/**
 * One open, ordered, reliable byte link to a peer (a WebRTC data channel bridged over a
 * MessagePort, or an in-memory pipe in tests). Frames are whole messages of at most
 * MAX_FRAME_BYTES. The transport that opened a link calls the handler the mesh returned for it.
 */
export interface Link {
  /** The peer's node id as claimed during signaling; the sync handshake confirms it. */
  readonly peer: NodeId;
  /**
   * Queues one frame; frames arrive whole and in order. The frame is copied or moved before this
   * returns, so the caller may reuse its buffer. A frame over MAX_FRAME_BYTES throws a RangeError
   * (the link stays open); after either end closed, frames are dropped without an error.
   */
  send(frame: Uint8Array): void;
  /** Bytes queued but not yet on the wire (flow control). */
  readonly bufferedAmount: number;
  /**
   * Ends the link (idempotent). The far end's handler hears `closed(reason)` once; this end's may
   * hear it too, at most once. No frame reaches a handler after it heard the close; frames still
   * in flight may be lost.
   */
  close(reason: string): void;
  /**
   * How long (ms) this end's relay has been stalled, 0 while it works. A link whose frames cross
   * another thread (the page relays WebRTC frames to the worker) hears nothing from its peer while
   * that thread is stalled: the silence is ours, and must not be taken for a dead peer. Links with
   * no relay of their own leave it out.
   */
  stalledMs?(now: number): number;
  /**
   * Sends a message of the transport's own beside the sync frames: relayed signaling (the page's,
   * docs/mesh.md "Relay"), which the node's budget must carry like every other byte on the link.
   * Only links that carry such messages have it; the mesh calls it once the budget lets the
   * message go (LinkHandler.signal).
   */
  sendSignal?(payload: Uint8Array): void;
  /**
   * The mesh refused the peer at admission and only waits for it to close (REFUSAL_LINGER_MS,
   * docs/security.md "A removed device"): a transport that counts its open links leaves this one out.
   */
  lingering?(): void;
}

export interface LinkHandler {
  receive(frame: Uint8Array): void;
  closed(reason: string): void;
  /**
   * The transport has a message of its own for the link (relayed signaling): the mesh queues it in
   * the link's budget (control class) and hands it to Link.sendSignal when it may go.
   */
  signal?(payload: Uint8Array): void;
}

/** The mesh's side of the port: accept a newly opened link, get back where its frames go. */
export type AcceptLink = (link: Link) => LinkHandler;

/**
 * Links a node keeps at most: a partial mesh, enough neighbours for redundancy and few enough that
 * 20+ nodes work. The page stops opening links here and the worker's mesh refuses any beyond it.
 */
export const MAX_LINKS = 8;

/**
 * Links a node keeps at most while it waits for a peer it refused at admission (without the proof of
 * a removal: those are never closed early) to close
 * (REFUSAL_LINGER_MS, docs/security.md "A removed device"), apart from MAX_LINKS: a refused link
 * holds no slot an honest peer could use. Past it the oldest such link is closed at once.
 */
export const MAX_LINGERING_LINKS = 8;

/** Largest frame a link carries: one sync frame (the limit is the core's, see core/sync/codec.ts). */
export const MAX_FRAME_BYTES = MAX_SYNC_FRAME_BYTES;
