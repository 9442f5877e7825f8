import { MAX_WIRE_FRAME } from './webrtc/frame-channel';

/**
 * The MessagePort protocol between the page (which owns the data channel) and the worker (which
 * owns the sync). Frames travel as transferred ArrayBuffers that keep the data channel's first
 * byte (the channel, always 0 = sync here), so neither side copies them.
 */
export type ToWorker =
  | { readonly type: 'frame'; readonly data: ArrayBuffer }
  /**
   * A relayed-signaling message (no channel byte) for the link: the worker sends it through the
   * link's budget and hands it back as a `frame` on the relay channel (docs/budgeter.md).
   */
  | { readonly type: 'relay'; readonly data: ArrayBuffer }
  /** What the page holds for this link (queued + in the channel's buffer), and how many bytes it has taken so far. */
  | { readonly type: 'buffered'; readonly amount: number; readonly accepted: number }
  | { readonly type: 'closed'; readonly reason: string };

export type FromWorker =
  | { readonly type: 'frame'; readonly data: ArrayBuffer }
  /** Frames the worker sent in one turn, in order, in one message (each transferred). */
  | { readonly type: 'frames'; readonly data: readonly ArrayBuffer[] }
  | { readonly type: 'close'; readonly reason: string }
  /** The worker refused the peer and waits for it to close: the page no longer counts the link as open. */
  | { readonly type: 'lingering' };

/** Most frames in one `frames` message. */
export const MAX_FRAMES_PER_MESSAGE = 1024;

const MAX_REASON = 200;

export function isToWorker(x: unknown): x is ToWorker {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'frame':
      return m.data instanceof ArrayBuffer && m.data.byteLength >= 1;
    case 'relay':
      return m.data instanceof ArrayBuffer && m.data.byteLength >= 1 && m.data.byteLength < MAX_WIRE_FRAME;
    case 'buffered':
      return isCount(m.amount) && isCount(m.accepted);
    case 'closed':
      return typeof m.reason === 'string' && m.reason.length <= MAX_REASON;
    default:
      return false;
  }
}

export function isFromWorker(x: unknown): x is FromWorker {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'frame':
      return m.data instanceof ArrayBuffer && m.data.byteLength >= 1;
    case 'frames':
      return (
        Array.isArray(m.data) &&
        m.data.length >= 1 &&
        m.data.length <= MAX_FRAMES_PER_MESSAGE &&
        m.data.every((d) => d instanceof ArrayBuffer && d.byteLength >= 1)
      );
    case 'lingering':
      return true;
    case 'close':
      return typeof m.reason === 'string' && m.reason.length <= MAX_REASON;
    default:
      return false;
  }
}

export function clipReason(reason: string): string {
  return reason.length <= MAX_REASON ? reason : reason.slice(0, MAX_REASON);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
