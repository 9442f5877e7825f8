/**
 * A batch from a peer that is malformed, truncated, over a limit or carries an invalid value, or a
 * version this codec cannot put on the wire. Decoding never throws anything else: callers log,
 * count and drop the batch (mission §9), and the store is never touched by a half-decoded batch.
 */
export class WireError extends Error {
  override name = 'WireError';
}
