/**
 * Why a sync frame from a peer was refused. Peer input is untrusted: decoding never throws anything
 * but a ProtocolError, so the session can log it, count it and carry on (or say `bye`).
 */
export const ProtocolErrorCode = {
  /** Bytes that do not parse: truncated, bad varint, trailing bytes, a field out of range. */
  Malformed: 'malformed',
  /** A first byte naming a protocol version this node does not speak. */
  UnsupportedVersion: 'unsupported-version',
  /** A frame or a list longer than the limits. */
  Oversize: 'oversize',
  /** A well-formed message that is not allowed here (wrong state, unknown session). */
  Unexpected: 'unexpected',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export class ProtocolError extends Error {
  override name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(`sync: ${message}`);
  }
}

/**
 * A message this node cannot encode (a value out of range, a name too long): a bug or a bad value
 * on our side, never the peer's fault, so the session does not count it against the peer.
 */
export class SyncEncodeError extends Error {
  override name = 'SyncEncodeError';

  constructor(message: string) {
    super(`sync: cannot encode: ${message}`);
  }
}
