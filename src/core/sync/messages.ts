import type { NodeId } from '../ids';
import { ID_SIZE } from '../reconcile/item';

/**
 * The sync protocol between two nodes over one link: one message per frame, the catalogue below,
 * the binary layout in codec.ts, the behaviour in peer-session.ts.
 */
/**
 * 2: reconcile payloads speak reconciler protocol 2 (counts, pushed ranges, coded symbols).
 * 3: the hello's public key and `keys` (signed versions). 4: the hello's nonce and `proof` (mutual
 * proof of key possession before any data flows, docs/security.md). 5: `versions` batches in wire
 * format 3, one signature per author batch with Merkle multiproofs (docs/security.md, "One
 * signature per batch"). 6: `part` (a frame larger than the link's frame size crosses as several,
 * docs/budgeter.md "Parts"). 7: wire format 4, each batch names its leaf form (new batches hash a
 * binary form of each version, docs/security.md "Leaf forms"). 8: a context entry naming the writer
 * is its rest marker and a context holds at most 64 entries (docs/security.md, "Contexts and register
 * knowledge"): a version 7 node would refuse versions carrying a marker, and its replicas would split
 * from ours. 9: the reconciliation id is SHA-256 of the version's layout, not MurmurHash3
 * (version-id.ts): a version 8 node would see every version differ. 10: range fingerprints sum a
 * keyed permutation of each id, under a key both ends derive from both hellos' nonces
 * (fingerprint-key.ts, reconcile/fingerprint.ts): a version 9 node's fingerprints would never match.
 */
export const SYNC_PROTOCOL_VERSION = 10;
/** A hello's fresh random nonce: what the peer's proof must sign. */
export const HANDSHAKE_NONCE_BYTES = 16;
/** An Ed25519 signature's length. */
export { SIG_BYTES as SIGNATURE_BYTES } from '../wire/format';

/** Most reconciliation ids one `want` or `ihave` may carry. */
export const MAX_WANT_IDS = 4096;
/** Longest `bye` reason accepted (UTF-8 bytes); lattice names follow core/lattice-name.ts. */
export const MAX_REASON_BYTES = 256;
/** Reconciliation ids are 16-byte hashes of the version key (version-id.ts), the reconciler's items. */
export const SYNC_ID_BYTES = ID_SIZE;

export const MessageType = {
  Hello: 'hello',
  Reconcile: 'reconcile',
  Want: 'want',
  Versions: 'versions',
  Ping: 'ping',
  Pong: 'pong',
  Bye: 'bye',
  IHave: 'ihave',
  Prune: 'prune',
  Keys: 'keys',
  Proof: 'proof',
  Part: 'part',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** First message each side sends: who it is, which lattice, its clock (for skew) and its size. */
export interface HelloMessage {
  readonly type: typeof MessageType.Hello;
  readonly protocol: number;
  readonly node: NodeId;
  readonly lattice: string;
  /** Sender's wall clock, epoch ms, when it sent the hello. */
  readonly time: number;
  /** Versions the sender holds. */
  readonly items: number;
  /** HLC ms of the newest version the sender holds (0 if none). */
  readonly newest: number;
  /**
   * The sender's raw 32-byte Ed25519 public key: its node id must be the key's hash (checked by the
   * host), and its versions are verified with it (docs/security.md, "Keys on the wire").
   */
  readonly key: Uint8Array;
  /** 16 fresh random bytes (HANDSHAKE_NONCE_BYTES), chosen for this link: the peer's proof signs them. */
  readonly nonce: Uint8Array;
}

/**
 * Second message each side sends, once it has the peer's hello: its signature, with the key its
 * hello carried, over linkProofBytes (core/signing/link-proof.ts: both nonces, both ids, the
 * lattice, the invitation). Nothing but a bye is accepted from a peer before its proof verifies.
 */
export interface ProofMessage {
  readonly type: typeof MessageType.Proof;
  /** The 64-byte Ed25519 signature. */
  readonly sig: Uint8Array;
  /**
   * An invitation token (core/roster/invitation-token.ts: base64url, at most MAX_TOKEN_CHARS
   * characters) a joining device presents to be admitted; signed with the proof.
   */
  readonly invitation?: string;
}

/**
 * Steps of one anti-entropy session. The initiator (smaller node id) sends `open` then `next`
 * messages, the responder answers each with `reply`; the initiator ends with `done` once every
 * version it owes or asked for has moved. `abort` drops a session (either side); `request` asks
 * the initiator to start a session now.
 */
export const ReconcilePhase = {
  Open: 'open',
  Next: 'next',
  Reply: 'reply',
  Done: 'done',
  Abort: 'abort',
  Request: 'request',
} as const;
export type ReconcilePhase = (typeof ReconcilePhase)[keyof typeof ReconcilePhase];

export interface ReconcileMessage {
  readonly type: typeof MessageType.Reconcile;
  /** Chosen by the initiator, > 0 (0 only for `request`). */
  readonly session: number;
  readonly phase: ReconcilePhase;
  /** Reconciler bytes (src/core/reconcile) for open/next/reply; empty otherwise. */
  readonly payload: Uint8Array;
}

/** Asks for the versions with these reconciliation ids; answered by `versions` with `completes`. */
export interface WantMessage {
  readonly type: typeof MessageType.Want;
  /** Sender's request number, > 0, echoed by the answer. */
  readonly request: number;
  /**
   * Plumtree GRAFT: the ids were announced by `ihave` and did not arrive by another path, so the
   * sender wants live pushes from us again, and the answer travels as live (it is relayed on).
   */
  readonly graft: boolean;
  readonly ids: readonly Uint8Array[];
}

export interface VersionsMessage {
  readonly type: typeof MessageType.Versions;
  /** true: a live push of new writes; false: repair traffic from anti-entropy. */
  readonly live: boolean;
  /** The `want` request this frame finishes answering (0: none). */
  readonly completes: number;
  /** An encodeVersions batch (src/core/wire); empty only when `completes` is set. */
  readonly batch: Uint8Array;
}

export interface PingMessage {
  readonly type: typeof MessageType.Ping;
  /** Sender's wall clock, epoch ms. */
  readonly time: number;
}

export interface PongMessage {
  readonly type: typeof MessageType.Pong;
  /** The ping's time, echoed (RTT = now - echo). */
  readonly echo: number;
  /** The answerer's wall clock when it answered (clock skew). */
  readonly time: number;
}

export interface ByeMessage {
  readonly type: typeof MessageType.Bye;
  readonly reason: string;
  /**
   * Only on an admission refusal (`not admitted: …`) of a removed member: the signed roster ops
   * that establish its removal, so that a device offline during its removal learns it (docs/security.md,
   * "A removed device"). The receiver verifies them as any ingest; bounded by the limits below.
   */
  readonly proof?: RefusalProof;
}

/**
 * Signed versions a refusal carries (ByeMessage.proof): the public keys of their authors (each
 * must hash to its author's id, like `keys`) and an encodeVersions batch, at most
 * MAX_REFUSAL_PROOF_VERSIONS versions in MAX_REFUSAL_PROOF_BYTES bytes.
 */
export interface RefusalProof {
  readonly keys: readonly Uint8Array[];
  readonly batch: Uint8Array;
}

/** Most versions (and keys) one refusal's proof may carry (docs/security.md, "Limits"). */
export const MAX_REFUSAL_PROOF_VERSIONS = 16;
/** Largest wire batch one refusal's proof may carry, in bytes (docs/security.md, "Limits"). */
export const MAX_REFUSAL_PROOF_BYTES = 16 * 1024;
/**
 * Most refusers whose proofs wait while one is checked (MeshSecurity.refusalProof): one slot per
 * refuser, so a stranger's junk proof cannot push a member's out (docs/security.md, "Limits").
 */
export const MAX_WAITING_REFUSAL_PROOFS = 4;
/**
 * How long a side that refused its peer at admission keeps the link after its bye (docs/security.md,
 * "A removed device"): the refused side reads the bye and closes, so a transport that loses what is
 * in flight at a close does not lose the proof with it, and a refusal of us crossing ours (each
 * side refused the other) is still read. Only a bye (whole or in parts) is taken meanwhile; the
 * rest is dropped. Past it the refuser closes.
 */
export const REFUSAL_LINGER_MS = 2000;

/**
 * Plumtree lazy push (Leitão et al., "Epidemic Broadcast Trees", 2007): ids of versions we pushed
 * live elsewhere, sent instead of the versions to a peer that pruned us. Batched per tick.
 */
export interface IHaveMessage {
  readonly type: typeof MessageType.IHave;
  readonly ids: readonly Uint8Array[];
}

/** Plumtree PRUNE: your live pushes reach me by another path; send me `ihave`s instead. */
/** Most keys in one `keys` message. */
export const MAX_KEYS_PER_MESSAGE = 256;
/** An Ed25519 public key's length. */
export const PUBLIC_KEY_BYTES = 32;

/**
 * Public keys of authors whose versions the sender may send us (relayed authors): each is filed
 * under the id it hashes to, never under a claimed one, so a key needs no other proof.
 */
export interface KeysMessage {
  readonly type: typeof MessageType.Keys;
  readonly keys: readonly Uint8Array[];
}

export interface PruneMessage {
  readonly type: typeof MessageType.Prune;
}

/**
 * One piece of a frame larger than the sending link's frame size (a reconcile message on a thin
 * link): the pieces of one frame go in order, and the receiver joins them and takes the whole as
 * if it had come as one frame (parts.ts). `total` is the whole frame's length, `offset` where this
 * chunk starts in it.
 */
export interface PartMessage {
  readonly type: typeof MessageType.Part;
  readonly total: number;
  readonly offset: number;
  readonly chunk: Uint8Array;
}

export type SyncMessage =
  | HelloMessage
  | ReconcileMessage
  | WantMessage
  | VersionsMessage
  | PingMessage
  | PongMessage
  | ByeMessage
  | IHaveMessage
  | PruneMessage
  | KeysMessage
  | ProofMessage
  | PartMessage;
