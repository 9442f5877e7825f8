import { isNodeId, type NodeId } from '../ids';
import { WireError } from '../wire/errors';
import { ByteReader } from '../wire/reader';
import { readUtf8 } from '../wire/utf8';
import { ByteWriter } from '../wire/writer';
import { ProtocolError, ProtocolErrorCode } from './errors';
import {
  MAX_LATTICE_BYTES,
  MAX_REASON_BYTES,
  MAX_WANT_IDS,
  MessageType,
  ReconcilePhase,
  SYNC_ID_BYTES,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from './messages';

/**
 * Frame layout, protocol version 1 (varint = unsigned LEB128, at most 2^53 - 1):
 *
 *   u8 protocol version (1) · u8 type · fields:
 *   hello      u8 node id length, node id (ASCII) · varint lattice length, lattice (UTF-8) ·
 *              varint time · varint items · varint newest
 *   reconcile  varint session · u8 phase · reconciler payload (rest of the frame)
 *   want       varint request · u8 flags (bit0 graft) · varint count (1..4096) · count × 16-byte ids
 *   versions   u8 flags (bit0 live, bit1 completes) · [varint completes] · wire batch (rest)
 *   ping       varint time
 *   pong       varint echo · varint time
 *   bye        varint reason length, reason (UTF-8)
 *   ihave      varint count (1..4096) · count × 16-byte ids
 *   prune      (nothing)
 *
 * Every field is checked on decode; no trailing bytes. The hello's protocol field is byte 0.
 */
export const MAX_SYNC_FRAME_BYTES = 256 * 1024 - 1024;

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
const utf8 = new TextEncoder();

export function encodeMessage(m: SyncMessage): Uint8Array {
  const w = new ByteWriter(m.type === MessageType.Versions ? m.batch.length + 16 : 64);
  w.u8(m.type === MessageType.Hello ? m.protocol : SYNC_PROTOCOL_VERSION);
  w.u8(TYPE_CODES[m.type]);
  switch (m.type) {
    case MessageType.Hello: {
      if (!isNodeId(m.node)) throw usage('hello: invalid node id');
      w.u8(m.node.length);
      w.bytes(utf8.encode(m.node));
      writeText(w, m.lattice, MAX_LATTICE_BYTES, 'lattice name');
      w.varint(m.time);
      w.varint(m.items);
      w.varint(m.newest);
      break;
    }
    case MessageType.Reconcile:
      w.varint(m.session);
      w.u8(PHASES.indexOf(m.phase));
      w.bytes(m.payload);
      break;
    case MessageType.Want:
      w.varint(m.request);
      w.u8(m.graft ? FLAG_GRAFT : 0);
      writeIds(w, m.ids);
      break;
    case MessageType.IHave:
      writeIds(w, m.ids);
      break;
    case MessageType.Prune:
      break;
    case MessageType.Versions:
      w.u8((m.live ? FLAG_LIVE : 0) | (m.completes > 0 ? FLAG_COMPLETES : 0));
      if (m.completes > 0) w.varint(m.completes);
      w.bytes(m.batch);
      break;
    case MessageType.Ping:
      w.varint(m.time);
      break;
    case MessageType.Pong:
      w.varint(m.echo);
      w.varint(m.time);
      break;
    case MessageType.Bye:
      writeText(w, m.reason.slice(0, MAX_REASON_BYTES / 4), MAX_REASON_BYTES, 'reason');
      break;
    default: {
      const never: never = m;
      throw usage(`unknown message ${String(never)}`);
    }
  }
  if (w.pos > MAX_SYNC_FRAME_BYTES) {
    throw new ProtocolError(ProtocolErrorCode.Oversize, `frame of ${w.pos} bytes exceeds ${MAX_SYNC_FRAME_BYTES}`);
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
  const r = new ByteReader(frame);
  r.pos = 2;
  try {
    const m = decodeBody(r, frame[1]!);
    if (r.left !== 0) r.fail(`${r.left} trailing bytes`);
    return m;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    if (error instanceof WireError) throw malformed(error.message.replace(/^wire: /, ''));
    throw malformed(String(error));
  }
}

function decodeBody(r: ByteReader, code: number): SyncMessage {
  switch (code) {
    case TYPE_CODES.hello: {
      const n = r.u8();
      if (n === 0 || n > 64) r.fail(`node id length ${n}`);
      const node = readUtf8(r, n, 'node id');
      if (!isNodeId(node)) r.fail('invalid node id');
      const lattice = readText(r, MAX_LATTICE_BYTES, 'lattice name');
      if (lattice.length === 0) r.fail('empty lattice name');
      return {
        type: MessageType.Hello,
        protocol: SYNC_PROTOCOL_VERSION,
        node: node as NodeId,
        lattice,
        time: r.varint(),
        items: r.varint(),
        newest: r.varint(),
      };
    }
    case TYPE_CODES.reconcile: {
      const session = r.varint();
      if (session > MAX_U32) r.fail(`session ${session} exceeds 32 bits`);
      const phase = PHASES[r.u8()];
      if (phase === undefined) r.fail('unknown reconcile phase');
      const payload = r.bytes(r.left);
      const carries = phase === ReconcilePhase.Open || phase === ReconcilePhase.Next || phase === ReconcilePhase.Reply;
      if (carries !== payload.length > 0) r.fail(`reconcile ${phase}: payload ${carries ? 'missing' : 'not allowed'}`);
      if (session === 0 && phase !== ReconcilePhase.Request) r.fail(`reconcile ${phase}: session 0`);
      return { type: MessageType.Reconcile, session, phase, payload };
    }
    case TYPE_CODES.want: {
      const request = r.varint();
      if (request === 0 || request > MAX_U32) r.fail(`want request ${request}`);
      const flags = r.u8();
      if ((flags & ~FLAG_GRAFT) !== 0) r.fail(`unknown want flags ${flags}`);
      return { type: MessageType.Want, request, graft: flags === FLAG_GRAFT, ids: readIds(r, 'want') };
    }
    case TYPE_CODES.ihave:
      return { type: MessageType.IHave, ids: readIds(r, 'ihave') };
    case TYPE_CODES.prune:
      return { type: MessageType.Prune };
    case TYPE_CODES.versions: {
      const flags = r.u8();
      if ((flags & ~(FLAG_LIVE | FLAG_COMPLETES)) !== 0) r.fail(`unknown versions flags ${flags}`);
      let completes = 0;
      if ((flags & FLAG_COMPLETES) !== 0) {
        completes = r.varint();
        if (completes === 0 || completes > MAX_U32) r.fail(`completes ${completes}`);
      }
      const batch = r.bytes(r.left);
      if (batch.length === 0 && completes === 0) r.fail('empty versions batch');
      return { type: MessageType.Versions, live: (flags & FLAG_LIVE) !== 0, completes, batch };
    }
    case TYPE_CODES.ping:
      return { type: MessageType.Ping, time: r.varint() };
    case TYPE_CODES.pong:
      return { type: MessageType.Pong, echo: r.varint(), time: r.varint() };
    case TYPE_CODES.bye:
      return { type: MessageType.Bye, reason: readText(r, MAX_REASON_BYTES, 'reason') };
    default:
      return r.fail(`unknown message type ${code}`);
  }
}

function writeIds(w: ByteWriter, ids: readonly Uint8Array[]): void {
  if (ids.length === 0 || ids.length > MAX_WANT_IDS) throw usage(`1..${MAX_WANT_IDS} ids per message`);
  w.varint(ids.length);
  for (const id of ids) {
    if (id.length !== SYNC_ID_BYTES) throw usage('ids are 16 bytes');
    w.bytes(id);
  }
}

function readIds(r: ByteReader, what: string): Uint8Array[] {
  const count = r.varint();
  if (count === 0) r.fail(`${what} without ids`);
  if (count > MAX_WANT_IDS) {
    throw new ProtocolError(ProtocolErrorCode.Oversize, `${what} of ${count} ids exceeds ${MAX_WANT_IDS}`);
  }
  if (count * SYNC_ID_BYTES !== r.left) r.fail(`${what} of ${count} ids needs ${count * SYNC_ID_BYTES} bytes`);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(r.bytes(SYNC_ID_BYTES));
  return ids;
}

function writeText(w: ByteWriter, s: string, max: number, what: string): void {
  const bytes = utf8.encode(s);
  if (bytes.length > max) throw usage(`${what} longer than ${max} bytes`);
  w.varint(bytes.length);
  w.bytes(bytes);
}

function readText(r: ByteReader, max: number, what: string): string {
  const n = r.varint();
  if (n > max) r.fail(`${what} of ${n} bytes exceeds ${max}`);
  return readUtf8(r, n, what);
}

function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.Malformed, message);
}

function usage(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.Malformed, `cannot encode: ${message}`);
}
