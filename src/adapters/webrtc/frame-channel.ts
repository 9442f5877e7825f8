import { DATA_CHANNEL_MESSAGE_BYTES } from '../../core/sync/codec';

/**
 * The first byte of every data-channel message says who it is for. Unknown channels are dropped
 * and counted (a newer peer may speak more than we do).
 */
export const CHANNEL = {
  /** A sync frame for the worker's mesh node. */
  sync: 0,
  /** A signaling message relayed to reach peers of peers (handled on the main thread). */
  relay: 1,
  // 2 carried page-side link pings, retired: the sync session's heartbeat measures liveness and RTT.
} as const;
export type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

/** The largest data-channel message, channel byte included (the limit is defined in the core). */
export const MAX_WIRE_FRAME = DATA_CHANNEL_MESSAGE_BYTES;

export function withChannel(channel: Channel, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.byteLength + 1);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}
