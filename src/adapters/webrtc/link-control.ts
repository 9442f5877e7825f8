import { CHANNEL } from './frame-channel';

/** Control frames: [2, kind, float64 timestamp]. A pong echoes the ping's timestamp to measure RTT. */
const PING = 0;
const PONG = 1;
const SIZE = 10;

export type ControlFrame = { readonly kind: 'ping' | 'pong'; readonly sentAt: number };

export function encodeControl(frame: ControlFrame): Uint8Array {
  const out = new Uint8Array(SIZE);
  out[0] = CHANNEL.control;
  out[1] = frame.kind === 'ping' ? PING : PONG;
  new DataView(out.buffer).setFloat64(2, frame.sentAt, true);
  return out;
}

/** Decodes a whole control frame (channel byte included); undefined if malformed. */
export function decodeControl(bytes: Uint8Array): ControlFrame | undefined {
  if (bytes.byteLength !== SIZE || bytes[0] !== CHANNEL.control) return undefined;
  const kind = bytes[1] === PING ? 'ping' : bytes[1] === PONG ? 'pong' : undefined;
  if (kind === undefined) return undefined;
  const sentAt = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(2, true);
  return Number.isFinite(sentAt) ? { kind, sentAt } : undefined;
}
