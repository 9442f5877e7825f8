import { Decoder } from '../bytes/decoder';

/**
 * A batch from a peer that is malformed, truncated, over a limit or carries an invalid value, or a
 * version this codec cannot put on the wire. Decoding never throws anything else: callers log,
 * count and drop the batch (docs/requirements.md §9), and the store is never touched by a half-decoded batch.
 */
export class WireError extends Error {
  override name = 'WireError';
}

/** The Decoder's failure for wire batches: `wire: at byte N: …`. */
const wireDecodeFailure = (message: string): WireError => new WireError(`wire: ${message}`);

/** The Encoder's failure for wire batches: a value with no encoding is a version no peer would accept. */
export const wireEncodeFailure = (message: string): WireError => new WireError(message);

/** A Decoder over a wire batch, failing with WireError. */
export function wireDecoder(bytes: Uint8Array): Decoder {
  return new Decoder(bytes, wireDecodeFailure);
}
