/**
 * The one byte codec of the core: the wire batches, the sync frames and the reconciliation
 * messages are all written with Encoder and read with Decoder.
 */
export { Decoder } from './decoder';
export { Encoder } from './encoder';
export { BytesError, bytesFailure, type Failure } from './errors';
export { isWellFormed, readString, readUtf8, writeString } from './utf8';
export { MAX_VARINT_BYTES, putVarUint, varintSize } from './varint';
export { unzigzag, zigzag } from './zigzag';
