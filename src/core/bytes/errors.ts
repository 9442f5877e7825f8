/**
 * Bytes that do not decode (truncated, a non-canonical or oversized varint) or a value the encoder
 * cannot write. Each protocol passes its own error factory to the Encoder and Decoder (wire:
 * WireError, sync: ProtocolError, reconcile: ReconcileError), so this one is only what a caller
 * that gave none gets.
 */
export class BytesError extends Error {
  override name = 'BytesError';
}

/** Makes the error an Encoder or Decoder throws, from a message that says what and where. */
export type Failure = (message: string) => Error;

export const bytesFailure: Failure = (message) => new BytesError(message);
