import { Decoder } from '../bytes/decoder';
import { Encoder } from '../bytes/encoder';
import { readString, readUtf8 } from '../bytes/utf8';
import { isNodeId, MAX_NODE_ID_LENGTH, type NodeId } from '../ids';
import { isLatticeName, MAX_LATTICE_NAME_LENGTH } from '../lattice-name';
import { isTokenText, MAX_TOKEN_CHARS } from '../roster/invitation-token';
import { ProtocolError, ProtocolErrorCode, SyncEncodeError } from './errors';
import {
  HANDSHAKE_NONCE_BYTES,
  MAX_KEYS_PER_MESSAGE,
  MAX_REASON_BYTES,
  MAX_REFUSAL_PROOF_BYTES,
  MAX_REFUSAL_PROOF_VERSIONS,
  MAX_WANT_IDS,
  PUBLIC_KEY_BYTES,
  MessageType,
  ReconcilePhase,
  SIGNATURE_BYTES,
  SYNC_ID_BYTES,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from './messages';

/**
 * Frame layout, protocol version 6 (varint = unsigned LEB128, at most 2^53 - 1):
 *
 *   u8 protocol version (6) · u8 type · fields:
 *   hello      u8 node id length, node id (ASCII) · varint lattice length, lattice (UTF-8) ·
 *              varint time · varint items · varint newest · 32-byte Ed25519 public key ·
 *              16-byte nonce (fresh random bytes for this link)
 *   proof      u8 flags (bit0 invitation) · 64-byte Ed25519 signature over linkProofBytes ·
 *              [varint length (1..200), invitation token (base64url ASCII)]
 *   reconcile  varint session · u8 phase · reconciler payload, reconciler protocol 2 (rest of the frame)
 *   want       varint request · u8 flags (bit0 graft) · varint count (1..4096) · count × 16-byte ids
 *   versions   u8 flags (bit0 live, bit1 completes) · [varint completes] · wire batch (rest)
 *   ping       varint time
 *   pong       varint echo · varint time
 *   bye        varint reason length, reason (UTF-8, at most 256 bytes) · [refusal proof: varint key
 *              count (0..16) · count × 32-byte public keys · wire batch (rest, 1..16 KiB)]
 *   ihave      varint count (1..4096) · count × 16-byte ids
 *   prune      (nothing)
 *   keys       varint count (1..256) · count × 32-byte Ed25519 public keys
 *   part       varint total (2..MAX_SYNC_FRAME_BYTES) · varint offset (< total) · chunk (rest, ≥ 1 byte,
 *              offset + chunk length ≤ total): a piece of a larger frame (parts.ts)
 *
 * Version 3 (signed versions, docs/security.md) added the hello's key and `keys`; version 4 the
 * hello's nonce and `proof` (mutual proof of key possession: 16 B more per hello, 67 B + the token
 * per proof, one signature and one verification per side per link); version 5 `versions` in wire
 * format 3 (one signature per author batch); version 6 `part`; version 7 `versions` in wire format
 * 4 (each batch names its leaf form, docs/security.md "Leaf forms"); version 8 the rest marker in
 * contexts (docs/security.md, "Contexts and register knowledge"), and later the bye's optional
 * refusal proof (a node without it finds a bye carrying one malformed: the link ends all the same,
 * without the reason). A peer speaking another
 * version has its hello refused with a bye naming the version we speak, so two never mix silently.
 * Every field is checked on decode; no trailing bytes. The hello's protocol field is byte 0.
 */
/** Chrome's limit for one data-channel message (libwebrtc), the data channel's framing included. */
export const DATA_CHANNEL_MESSAGE_BYTES = 256 * 1024;
/**
 * Largest frame, the one limit for the sync protocol and every link (ports/transport.ts names it
 * MAX_FRAME_BYTES): under the data-channel limit, with room for the channel byte and headers.
 */
export const MAX_SYNC_FRAME_BYTES = DATA_CHANNEL_MESSAGE_BYTES - 1024;

const TYPE_CODES = {
  [MessageType.Hello]: 1,
  [MessageType.Reconcile]: 2,
  [MessageType.Want]: 3,
  [MessageType.Versions]: 4,
  [MessageType.Ping]: 5,
  [MessageType.Pong]: 6,
  [MessageType.Bye]: 7,
  [MessageType.IHave]: 8,
  [MessageType.Prune]: 9,
  [MessageType.Keys]: 10,
  [MessageType.Proof]: 11,
  [MessageType.Part]: 12,
} as const;
const PHASES = [
  ReconcilePhase.Open,
  ReconcilePhase.Next,
  ReconcilePhase.Reply,
  ReconcilePhase.Done,
  ReconcilePhase.Abort,
  ReconcilePhase.Request,
] as const;
const MAX_U32 = 0xffff_ffff;
const FLAG_LIVE = 1;
const FLAG_COMPLETES = 2;
const FLAG_GRAFT = 1;
const FLAG_INVITATION = 1;
const utf8 = new TextEncoder();

export function encodeMessage(m: SyncMessage): Uint8Array {
  const w = new Encoder(m.type === MessageType.Versions ? m.batch.length + 16 : 64, usage);
  w.writeU8(m.type === MessageType.Hello ? m.protocol : SYNC_PROTOCOL_VERSION);
  w.writeU8(TYPE_CODES[m.type]);
  switch (m.type) {
    case MessageType.Hello: {
      if (!isNodeId(m.node)) throw usage('hello: invalid node id');
      w.writeU8(m.node.length);
      w.writeBytes(utf8.encode(m.node));
      if (!isLatticeName(m.lattice)) throw usage('hello: invalid lattice name');
      writeText(w, m.lattice, MAX_LATTICE_NAME_LENGTH, 'lattice name');
      w.writeVarUint(m.time);
      w.writeVarUint(m.items);
      w.writeVarUint(m.newest);
      if (!(m.key instanceof Uint8Array) || m.key.length !== PUBLIC_KEY_BYTES) throw usage('hello: key of 32 bytes');
      w.writeBytes(m.key);
      if (!(m.nonce instanceof Uint8Array) || m.nonce.length !== HANDSHAKE_NONCE_BYTES) {
        throw usage(`hello: nonce of ${HANDSHAKE_NONCE_BYTES} bytes`);
      }
      w.writeBytes(m.nonce);
      break;
    }
    case MessageType.Proof: {
      if (!(m.sig instanceof Uint8Array) || m.sig.length !== SIGNATURE_BYTES)
        throw usage('proof: signature of 64 bytes');
      const invitation = m.invitation;
      if (invitation !== undefined && !isTokenText(invitation)) throw usage('proof: invitation is not token text');
      w.writeU8(invitation === undefined ? 0 : FLAG_INVITATION);
      w.writeBytes(m.sig);
      if (invitation !== undefined) writeText(w, invitation, MAX_TOKEN_CHARS, 'invitation');
      break;
    }
    case MessageType.Reconcile:
      w.writeVarUint(m.session);
      w.writeU8(PHASES.indexOf(m.phase));
      w.writeBytes(m.payload);
      break;
    case MessageType.Want:
      w.writeVarUint(m.request);
      w.writeU8(m.graft ? FLAG_GRAFT : 0);
      writeIds(w, m.ids);
      break;
    case MessageType.IHave:
      writeIds(w, m.ids);
      break;
    case MessageType.Prune:
      break;
    case MessageType.Keys:
      if (m.keys.length === 0 || m.keys.length > MAX_KEYS_PER_MESSAGE) throw usage(`1..${MAX_KEYS_PER_MESSAGE} keys`);
      w.writeVarUint(m.keys.length);
      for (const k of m.keys) {
        if (k.length !== PUBLIC_KEY_BYTES) throw usage('keys are 32 bytes');
        w.writeBytes(k);
      }
      break;
    case MessageType.Versions:
      w.writeU8((m.live ? FLAG_LIVE : 0) | (m.completes > 0 ? FLAG_COMPLETES : 0));
      if (m.completes > 0) w.writeVarUint(m.completes);
      w.writeBytes(m.batch);
      break;
    case MessageType.Part:
      if (!validPart(m.total, m.offset, m.chunk.length)) throw usage('part: bad total, offset or chunk');
      w.writeVarUint(m.total);
      w.writeVarUint(m.offset);
      w.writeBytes(m.chunk);
      break;
    case MessageType.Ping:
      w.writeVarUint(m.time);
      break;
    case MessageType.Pong:
      w.writeVarUint(m.echo);
      w.writeVarUint(m.time);
      break;
    case MessageType.Bye:
      writeText(w, truncateUtf8(m.reason, MAX_REASON_BYTES), MAX_REASON_BYTES, 'reason');
      if (m.proof !== undefined) {
        const { keys, batch } = m.proof;
        if (keys.length > MAX_REFUSAL_PROOF_VERSIONS) throw usage(`bye: at most ${MAX_REFUSAL_PROOF_VERSIONS} keys`);
        if (batch.length === 0 || batch.length > MAX_REFUSAL_PROOF_BYTES)
          throw usage(`bye: a proof batch of 1..${MAX_REFUSAL_PROOF_BYTES} bytes`);
        w.writeVarUint(keys.length);
        for (const k of keys) {
          if (k.length !== PUBLIC_KEY_BYTES) throw usage('keys are 32 bytes');
          w.writeBytes(k);
        }
        w.writeBytes(batch);
      }
      break;
    default: {
      const never: never = m;
      throw usage(`unknown message ${String(never)}`);
    }
  }
  if (w.length > MAX_SYNC_FRAME_BYTES) {
    throw usage(`frame of ${w.length} bytes exceeds ${MAX_SYNC_FRAME_BYTES}`);
  }
  return w.finish();
}

/** Decodes and validates one frame from a peer; throws only ProtocolError. */
export function decodeMessage(frame: Uint8Array): SyncMessage {
  if (!(frame instanceof Uint8Array)) throw malformed('expected a byte frame');
  if (frame.length > MAX_SYNC_FRAME_BYTES) {
    throw new ProtocolError(
      ProtocolErrorCode.Oversize,
      `frame of ${frame.length} bytes exceeds ${MAX_SYNC_FRAME_BYTES}`,
    );
  }
  if (frame.length < 2) throw malformed('frame shorter than its header');
  if (frame[0] !== SYNC_PROTOCOL_VERSION) {
    throw new ProtocolError(ProtocolErrorCode.UnsupportedVersion, `unsupported protocol version ${frame[0]}`);
  }
  const r = new Decoder(frame, malformed);
  r.pos = 2;
  try {
    const m = decodeBody(r, frame[1]!);
    if (r.left !== 0) r.fail(`${r.left} trailing bytes`);
    return m;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw malformed(String(error));
  }
}

function decodeBody(r: Decoder, code: number): SyncMessage {
  switch (code) {
    case TYPE_CODES.hello: {
      const n = r.readU8();
      if (n === 0 || n > MAX_NODE_ID_LENGTH) r.fail(`node id length ${n}`);
      const node = readUtf8(r, n, 'node id');
      if (!isNodeId(node)) r.fail('invalid node id');
      const lattice = readString(r, MAX_LATTICE_NAME_LENGTH, 'lattice name');
      if (!isLatticeName(lattice)) r.fail('invalid lattice name');
      return {
        type: MessageType.Hello,
        protocol: SYNC_PROTOCOL_VERSION,
        node: node as NodeId,
        lattice,
        time: r.readVarUint(),
        items: r.readVarUint(),
        newest: r.readVarUint(),
        key: r.readBytes(PUBLIC_KEY_BYTES),
        nonce: r.readBytes(HANDSHAKE_NONCE_BYTES),
      };
    }
    case TYPE_CODES.proof: {
      const flags = r.readU8();
      if ((flags & ~FLAG_INVITATION) !== 0) r.fail(`unknown proof flags ${flags}`);
      const sig = r.readBytes(SIGNATURE_BYTES);
      if (flags === 0) return { type: MessageType.Proof, sig };
      const invitation = readString(r, MAX_TOKEN_CHARS, 'invitation');
      if (!isTokenText(invitation) || invitation.length === 0) r.fail('invitation is not token text');
      return { type: MessageType.Proof, sig, invitation };
    }
    case TYPE_CODES.reconcile: {
      const session = r.readVarUint();
      if (session > MAX_U32) r.fail(`session ${session} exceeds 32 bits`);
      const phase = PHASES[r.readU8()];
      if (phase === undefined) r.fail('unknown reconcile phase');
      const payload = r.readBytes(r.left);
      const carries = phase === ReconcilePhase.Open || phase === ReconcilePhase.Next || phase === ReconcilePhase.Reply;
      if (carries !== payload.length > 0) r.fail(`reconcile ${phase}: payload ${carries ? 'missing' : 'not allowed'}`);
      if (session === 0 && phase !== ReconcilePhase.Request) r.fail(`reconcile ${phase}: session 0`);
      return { type: MessageType.Reconcile, session, phase, payload };
    }
    case TYPE_CODES.want: {
      const request = r.readVarUint();
      if (request === 0 || request > MAX_U32) r.fail(`want request ${request}`);
      const flags = r.readU8();
      if ((flags & ~FLAG_GRAFT) !== 0) r.fail(`unknown want flags ${flags}`);
      return { type: MessageType.Want, request, graft: flags === FLAG_GRAFT, ids: readIds(r, 'want') };
    }
    case TYPE_CODES.ihave:
      return { type: MessageType.IHave, ids: readIds(r, 'ihave') };
    case TYPE_CODES.prune:
      return { type: MessageType.Prune };
    case TYPE_CODES.keys: {
      const count = r.readVarUint();
      if (count === 0 || count > MAX_KEYS_PER_MESSAGE) r.fail(`keys count ${count}`);
      if (count * PUBLIC_KEY_BYTES !== r.left) r.fail(`keys of ${count} keys needs ${count * PUBLIC_KEY_BYTES} bytes`);
      const keys: Uint8Array[] = [];
      for (let i = 0; i < count; i++) keys.push(r.readBytes(PUBLIC_KEY_BYTES));
      return { type: MessageType.Keys, keys };
    }
    case TYPE_CODES.versions: {
      const flags = r.readU8();
      if ((flags & ~(FLAG_LIVE | FLAG_COMPLETES)) !== 0) r.fail(`unknown versions flags ${flags}`);
      let completes = 0;
      if ((flags & FLAG_COMPLETES) !== 0) {
        completes = r.readVarUint();
        if (completes === 0 || completes > MAX_U32) r.fail(`completes ${completes}`);
      }
      const batch = r.readBytes(r.left);
      if (batch.length === 0 && completes === 0) r.fail('empty versions batch');
      return { type: MessageType.Versions, live: (flags & FLAG_LIVE) !== 0, completes, batch };
    }
    case TYPE_CODES.part: {
      const total = r.readVarUint();
      const offset = r.readVarUint();
      const chunk = r.readBytes(r.left);
      if (!validPart(total, offset, chunk.length))
        r.fail(`part: total ${total}, offset ${offset}, ${chunk.length} bytes`);
      return { type: MessageType.Part, total, offset, chunk };
    }
    case TYPE_CODES.ping:
      return { type: MessageType.Ping, time: r.readVarUint() };
    case TYPE_CODES.pong:
      return { type: MessageType.Pong, echo: r.readVarUint(), time: r.readVarUint() };
    case TYPE_CODES.bye: {
      const reason = readString(r, MAX_REASON_BYTES, 'reason');
      if (r.left === 0) return { type: MessageType.Bye, reason };
      const count = r.readVarUint();
      if (count > MAX_REFUSAL_PROOF_VERSIONS) r.fail(`bye proof keys count ${count}`);
      if (count * PUBLIC_KEY_BYTES >= r.left) r.fail(`bye proof of ${count} keys needs more than ${r.left} bytes`);
      const keys: Uint8Array[] = [];
      for (let i = 0; i < count; i++) keys.push(r.readBytes(PUBLIC_KEY_BYTES));
      if (r.left > MAX_REFUSAL_PROOF_BYTES) r.fail(`bye proof batch of ${r.left} bytes`);
      return { type: MessageType.Bye, reason, proof: { keys, batch: r.readBytes(r.left) } };
    }
    default:
      return r.fail(`unknown message type ${code}`);
  }
}

/** A part's fields are consistent: a whole of 2..MAX_SYNC_FRAME_BYTES bytes, a chunk inside it. */
function validPart(total: number, offset: number, length: number): boolean {
  return total >= 2 && total <= MAX_SYNC_FRAME_BYTES && length >= 1 && offset < total && offset + length <= total;
}

function writeIds(w: Encoder, ids: readonly Uint8Array[]): void {
  if (ids.length === 0 || ids.length > MAX_WANT_IDS) throw usage(`1..${MAX_WANT_IDS} ids per message`);
  w.writeVarUint(ids.length);
  for (const id of ids) {
    if (id.length !== SYNC_ID_BYTES) throw usage('ids are 16 bytes');
    w.writeBytes(id);
  }
}

function readIds(r: Decoder, what: string): Uint8Array[] {
  const count = r.readVarUint();
  if (count === 0) r.fail(`${what} without ids`);
  if (count > MAX_WANT_IDS) {
    throw new ProtocolError(ProtocolErrorCode.Oversize, `${what} of ${count} ids exceeds ${MAX_WANT_IDS}`);
  }
  if (count * SYNC_ID_BYTES !== r.left) r.fail(`${what} of ${count} ids needs ${count * SYNC_ID_BYTES} bytes`);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(r.readBytes(SYNC_ID_BYTES));
  return ids;
}

function writeText(w: Encoder, s: string, max: number, what: string): void {
  const bytes = utf8.encode(s);
  if (bytes.length > max) throw usage(`${what} longer than ${max} bytes`);
  w.writeVarUint(bytes.length);
  w.writeBytes(bytes);
}

/**
 * The longest prefix of `s` whose UTF-8 fits `max` bytes: a long reason (an admission refusal's)
 * is cut, never refused. Cut at a code point, never inside a surrogate pair.
 */
function truncateUtf8(s: string, max: number): string {
  if (s.length * 3 <= max) return s;
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const n = utf8.encode(ch).length;
    if (bytes + n > max) break;
    bytes += n;
    i += ch.length;
  }
  return s.slice(0, i);
}

function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.Malformed, message);
}

function usage(message: string): SyncEncodeError {
  return new SyncEncodeError(message);
}

/** What `peekMessage` reads of a frame without decoding it. */
export interface FramePeek {
  readonly type: MessageType;
  /** A `versions` frame pushed live (false for every other type). */
  readonly live: boolean;
}

const TYPES_BY_CODE: ReadonlyMap<number, MessageType> = new Map(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as MessageType]),
);

/**
 * The type of an encoded frame, read from its header only (the link's budgeter sorts our own
 * outgoing frames into classes by it); undefined for bytes that are not a frame of ours.
 */
export function peekMessage(frame: Uint8Array): FramePeek | undefined {
  const type = frame.length >= 2 ? TYPES_BY_CODE.get(frame[1]!) : undefined;
  if (type === undefined) return undefined;
  const live = type === MessageType.Versions && frame.length >= 3 && (frame[2]! & FLAG_LIVE) !== 0;
  return { type, live };
}
