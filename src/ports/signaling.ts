import { isNodeId, type NodeId } from '../core/ids';
import { isLatticeName } from '../core/lattice-name';
import type { BackoffPolicy } from '../core/retry/backoff';
import { isSignalProof, type SignalProof } from './signal-proof';

/**
 * Signaling: the small messages two nodes exchange to open a WebRTC link (docs/requirements.md §5). Every
 * path — BroadcastChannel, the WebSocket server, relay through connected peers — carries the same
 * messages, and every receiver validates them with parseSignal: they come from untrusted peers.
 */

/** Retries of a lost signaling socket or peer link: 0.5 s doubling up to 30 s, with jitter. */
export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** One attempt to open a link; messages of an older attempt are dropped by it. */
export const SESSION_ID = /^[A-Za-z0-9_-]{8,32}$/;
/** A whole signaling message, serialized; a data-channel SDP with candidates is ~1-3 KiB. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
export const MAX_SDP_CHARS = 12 * 1024;
export const MAX_CANDIDATE_CHARS = 1024;

export const BYE_REASONS = ['left', 'gone', 'full', 'refused'] as const;
/**
 * `left`: the page is closing. `gone`: the server lost the peer's socket (its WebRTC link may
 * still be up). `full`: no free link slot. `refused`: partitioned or not wanted.
 */
export type ByeReason = (typeof BYE_REASONS)[number];

interface Base {
  readonly from: NodeId;
  readonly lattice: string;
}

export interface AnnounceSignal extends Base {
  readonly type: 'announce';
  /** Absent: to everyone in the lattice. Present: a reply or a retry aimed at one node. */
  readonly to?: NodeId;
  /**
   * `incarnation`: random per page load; a new incarnation of a connected node means its old link
   * is dead. `links`: the sender's open links, so full nodes still take one that has too few.
   */
  readonly data: {
    readonly incarnation: string;
    readonly links?: number;
    /**
     * The sender's clock (ms) when it made this announce: a new incarnation supersedes a live link
     * only if not older than the latest the receiver heard from the sender (docs/security.md, "Stale
     * offers and announces"). Every announce and offer this build sends is stamped; an unstamped
     * one (an older client, or a replay of one) may open a link when none is live but never ends one.
     */
    readonly at?: number;
    /** Only on the first announce of a socket to the signaling server: proof of the key behind `from`. */
    readonly proof?: SignalProof;
  };
}

export interface OfferSignal extends Base {
  readonly type: 'offer';
  readonly to: NodeId;
  /** `at`: the sender's clock (ms) when it made the offer, as for an announce. */
  readonly data: { readonly session: string; readonly sdp: string; readonly at?: number };
}

export interface AnswerSignal extends Base {
  readonly type: 'answer';
  readonly to: NodeId;
  readonly data: { readonly session: string; readonly sdp: string };
}

export interface CandidateSignal extends Base {
  readonly type: 'candidate';
  readonly to: NodeId;
  readonly data: {
    readonly session: string;
    readonly candidate: string;
    readonly sdpMid: string | null;
    readonly sdpMLineIndex: number | null;
  };
}

export interface ByeSignal extends Base {
  readonly type: 'bye';
  readonly to?: NodeId;
  readonly data: { readonly reason: ByeReason; readonly session?: string };
}

export type Signal = AnnounceSignal | OfferSignal | AnswerSignal | CandidateSignal | ByeSignal;
export type SignalType = Signal['type'];

export type ParsedSignal =
  { readonly ok: true; readonly signal: Signal } | { readonly ok: false; readonly reason: string };

/** The signaling paths, best first: a route over an earlier one is preferred. */
export const SIGNALING_KINDS = ['broadcast', 'websocket', 'relay'] as const;
export type SignalingKind = (typeof SIGNALING_KINDS)[number];
export type TransportState = 'connecting' | 'open' | 'closed';

export interface SignalingStats {
  readonly kind: SignalingKind;
  readonly state: TransportState;
  readonly sent: number;
  readonly received: number;
  /** Messages dropped at the boundary, by reason. */
  readonly invalid: Readonly<Record<string, number>>;
}

/** One signaling path. Adapters validate what they receive and deliver only well-formed signals. */
export interface SignalingTransport {
  readonly kind: SignalingKind;
  start(receive: (signal: Signal) => void): void;
  /** Best effort: false when the path cannot carry it now (the link manager retries on its own). */
  send(signal: Signal): boolean;
  stats(): SignalingStats;
  close(): void;
}

/** Validates a message from a peer: a JSON string (measured before parsing) or a structured-cloned object. */
export function parseSignal(input: unknown): ParsedSignal {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_SIGNAL_BYTES) return fail('too-large');
    try {
      value = JSON.parse(input);
    } catch {
      return fail('not-json');
    }
  } else if (approxSize(input) > MAX_SIGNAL_BYTES) {
    return fail('too-large');
  }
  if (!isRecord(value)) return fail('not-object');
  const { type, from, to, lattice, data } = value;
  if (!isNodeId(from)) return fail('bad-from');
  if (!isLatticeName(lattice)) return fail('bad-lattice');
  if (to !== undefined && !isNodeId(to)) return fail('bad-to');
  if (!isRecord(data)) return fail('bad-data');
  const base = { from, lattice };
  switch (type) {
    case 'announce': {
      const { incarnation, links, proof } = data;
      if (!isToken(incarnation) || !isStamp(data.at)) return fail('bad-data');
      if (proof !== undefined && !isSignalProof(proof)) return fail('bad-proof');
      if (links !== undefined && !(Number.isInteger(links) && (links as number) >= 0 && (links as number) <= 255)) {
        return fail('bad-data');
      }
      const count = links === undefined ? {} : { links: links as number };
      const proven = proof === undefined ? {} : { proof: { key: proof.key, sig: proof.sig } };
      const stamp = data.at === undefined ? {} : { at: data.at as number };
      return ok({ type, ...base, ...opt(to), data: { incarnation, ...count, ...stamp, ...proven } });
    }
    case 'offer':
    case 'answer':
      if (to === undefined) return fail('missing-to');
      if (!isToken(data.session) || !isText(data.sdp, MAX_SDP_CHARS)) return fail('bad-data');
      if (type === 'offer') {
        if (!isStamp(data.at)) return fail('bad-data');
        const stamp = data.at === undefined ? {} : { at: data.at as number };
        return ok({ type, ...base, to, data: { session: data.session, sdp: data.sdp, ...stamp } });
      }
      return ok({ type, ...base, to, data: { session: data.session, sdp: data.sdp } });
    case 'candidate': {
      if (to === undefined) return fail('missing-to');
      const { session, candidate, sdpMid, sdpMLineIndex } = data;
      if (!isToken(session) || typeof candidate !== 'string' || candidate.length > MAX_CANDIDATE_CHARS) {
        return fail('bad-data');
      }
      if (sdpMid !== null && !isText(sdpMid, 64)) return fail('bad-data');
      if (sdpMLineIndex !== null && !(Number.isInteger(sdpMLineIndex) && (sdpMLineIndex as number) >= 0)) {
        return fail('bad-data');
      }
      return ok({
        type,
        ...base,
        to,
        data: { session, candidate, sdpMid, sdpMLineIndex: sdpMLineIndex as number | null },
      });
    }
    case 'bye': {
      const reason = data.reason;
      if (!(BYE_REASONS as readonly unknown[]).includes(reason)) return fail('bad-data');
      if (data.session !== undefined && !isToken(data.session)) return fail('bad-data');
      const session = data.session === undefined ? {} : { session: data.session };
      return ok({ type, ...base, ...opt(to), data: { reason: reason as ByeReason, ...session } });
    }
    default:
      return fail('bad-type');
  }
}

/** An optional sender clock in ms: absent, or a whole non-negative number. */
function isStamp(x: unknown): boolean {
  return x === undefined || (Number.isSafeInteger(x) && (x as number) >= 0);
}

/** A session id or incarnation: 8-32 url-safe characters from the injected randomness. */
export function randomToken(random: () => number = Math.random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[Math.floor(random() * 64) % 64];
  return out;
}

function ok(signal: Signal): ParsedSignal {
  return { ok: true, signal };
}

function fail(reason: string): ParsedSignal {
  return { ok: false, reason };
}

function opt(to: NodeId | undefined): { to?: NodeId } {
  return to === undefined ? {} : { to };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isToken(x: unknown): x is string {
  return typeof x === 'string' && SESSION_ID.test(x);
}

function isText(x: unknown, max: number): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= max;
}

/** A cheap bound on a cloned object's size (strings dominate), stopping once over the limit. */
function approxSize(x: unknown, budget = MAX_SIGNAL_BYTES + 1, depth = 0): number {
  if (typeof x === 'string') return x.length + 2;
  if (typeof x !== 'object' || x === null) return 8;
  if (depth > 4) return budget;
  let size = 2;
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    size += k.length + 3 + approxSize(v, budget - size, depth + 1);
    if (size >= budget) return size;
  }
  return size;
}
