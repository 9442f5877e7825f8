/**
 * Why a reconciliation message was refused. Peers are untrusted: decoding and processing a message
 * never throws anything but a ReconcileError, so the caller can log, count and drop the session.
 */
export const ReconcileErrorCode = {
  /** Bytes that do not parse: truncated input, bad varint, length beyond the buffer. */
  Malformed: 'malformed',
  /** A protocol version this module does not speak. */
  UnsupportedVersion: 'unsupported-version',
  /** A message longer than the frame size limit. */
  Oversize: 'oversize',
  /** Well-formed bytes that break the protocol: out-of-order bounds, a mode the role never receives. */
  Protocol: 'protocol',
  /** The local API was misused (initiate twice, bad item, bad option). */
  Usage: 'usage',
} as const;
export type ReconcileErrorCode = (typeof ReconcileErrorCode)[keyof typeof ReconcileErrorCode];

export class ReconcileError extends Error {
  override name = 'ReconcileError';
  readonly code: ReconcileErrorCode;

  constructor(code: ReconcileErrorCode, message: string) {
    super(`reconcile: ${message}`);
    this.code = code;
  }
}

/** The Decoder's failure for reconciliation messages. */
export const malformed = (message: string): ReconcileError => new ReconcileError(ReconcileErrorCode.Malformed, message);

/** The Encoder's failure: the local caller handed it a value no varint carries. */
export const usage = (message: string): ReconcileError => new ReconcileError(ReconcileErrorCode.Usage, message);
