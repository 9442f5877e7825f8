/** Sync between two nodes over one link: messages, codec, the per-link session, the sync index. */
export { Announcements } from './announcements';
export { decodeMessage, encodeMessage, MAX_SYNC_FRAME_BYTES, peekMessage, type FramePeek } from './codec';
export { ProtocolError, ProtocolErrorCode, SyncEncodeError } from './errors';
export { InvalidBackoff } from './invalid-backoff';
export { ROUND_TURN_MS, RoundTurns } from './round-turns';
export { OpenAllowances, openAllowance, openCharge } from './open-allowances';
export * from './limits';
export * from './ingest-pacer';
export * from './messages';
export { NOT_ADMITTED } from './handshake';
export { PEER_BYE, PeerSession } from './peer-session';
export { MIN_PART_BYTES, PART_HEADER_BYTES, PartAssembler, splitFrame } from './parts';
export {
  DEFAULT_ROUND_TIMEOUT_MS,
  resolveSessionOptions,
  SessionState,
  type AdmitVerdict,
  type PeerStats,
  type SessionEvents,
  type SessionHost,
  type SessionOptions,
  type SessionRole,
  type SyncSource,
  type VerifyVerdict,
} from './session-types';
export { numbering, SyncIndex, type VersionFinder } from './sync-index';
export { idKey, versionId } from './version-id';
