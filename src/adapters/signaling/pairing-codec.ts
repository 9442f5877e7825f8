import { isNodeId, type NodeId } from '../../core/ids';
import { isLatticeName } from '../../core/lattice-name';
import { MAX_SDP_CHARS, SESSION_ID } from '../../ports/signaling';

/**
 * Serverless pairing (docs/requirements.md §5): an offer or answer, complete with its ICE candidates, as a
 * short text an operator can paste or show as a QR code. `LM1.` + base64url of the deflated JSON.
 */
export interface PairingOffer {
  readonly kind: 'offer';
  readonly from: NodeId;
  readonly lattice: string;
  readonly session: string;
  readonly sdp: string;
}

export interface PairingAnswer {
  readonly kind: 'answer';
  readonly from: NodeId;
  /** The node that made the offer: an answer is only good for it. */
  readonly to: NodeId;
  readonly lattice: string;
  readonly session: string;
  readonly sdp: string;
}

export type PairingMessage = PairingOffer | PairingAnswer;

export class PairingError extends Error {
  override name = 'PairingError';
}

const PREFIX = 'LM1.';
/** Comfortably inside a QR code's capacity once deflated; a real offer is ~1 KiB of SDP. */
const MAX_TEXT_CHARS = 8 * 1024;

export async function encodePairing(message: PairingMessage): Promise<string> {
  const wire =
    message.kind === 'offer'
      ? { k: 'o', f: message.from, l: message.lattice, s: message.session, sdp: message.sdp }
      : { k: 'a', f: message.from, t: message.to, l: message.lattice, s: message.session, sdp: message.sdp };
  const bytes = await transform(new TextEncoder().encode(JSON.stringify(wire)), new CompressionStream('deflate-raw'));
  return PREFIX + toBase64Url(bytes);
}

/** Decodes and validates pasted or scanned text; throws PairingError with a reason the operator can act on. */
export async function decodePairing(text: string): Promise<PairingMessage> {
  const compact = text.replace(/\s+/g, '');
  if (!compact.startsWith(PREFIX))
    throw new PairingError('not a lattice-mesh pairing code (it should start with LM1.)');
  if (compact.length > MAX_TEXT_CHARS) throw new PairingError('pairing code too long');
  const packed = fromBase64Url(compact.slice(PREFIX.length));
  let value: unknown;
  try {
    const bytes = await transform(packed, new DecompressionStream('deflate-raw'));
    if (bytes.byteLength > MAX_SDP_CHARS + 512) throw new Error('too large');
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new PairingError('pairing code damaged or incomplete: copy it again');
  }
  if (typeof value !== 'object' || value === null) throw new PairingError('pairing code damaged');
  const { k, f, t, l, s, sdp } = value as Record<string, unknown>;
  if (!isNodeId(f)) throw new PairingError('pairing code has no valid node id');
  if (!isLatticeName(l)) throw new PairingError('pairing code has no valid lattice');
  if (typeof s !== 'string' || !SESSION_ID.test(s)) throw new PairingError('pairing code has no valid session');
  if (typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_SDP_CHARS) {
    throw new PairingError('pairing code has no valid session description');
  }
  if (k === 'o') return { kind: 'offer', from: f, lattice: l, session: s, sdp };
  if (k === 'a') {
    if (!isNodeId(t)) throw new PairingError('pairing answer names no valid node');
    return { kind: 'answer', from: f, to: t, lattice: l, session: s, sdp };
  }
  throw new PairingError('pairing code is neither an offer nor an answer');
}

async function transform(input: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  void writer.write(input as Uint8Array<ArrayBuffer>).catch(() => undefined);
  void writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new PairingError('pairing code has characters that do not belong');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
