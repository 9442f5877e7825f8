import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { parseSignal, type AnnounceSignal, type Signal } from '../src/ports/signaling';
import type { ServerChallenge } from '../src/ports/signal-proof';
import { checkAnnounceProof } from './signal-proof-check';
import { AddressBook } from './signaling-addresses';
import { DEFAULT_LIMITS, LimitCounter, ReasonCounter, TokenBucket, type SignalingLimits } from './signaling-limits';
import { Rooms, type Member } from './signaling-rooms';

export interface SignalingOptions {
  /** The WebSocket endpoint on the app's origin. */
  readonly path?: string;
  readonly limits?: Partial<SignalingLimits>;
  /** Accept browsers from any origin (default: only pages served by this host). */
  readonly anyOrigin?: boolean;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
}

export interface SignalingServerStats {
  readonly sockets: number;
  /** Sockets that have not proven a node id yet. */
  readonly unannounced: number;
  /** Remote addresses with an open socket. */
  readonly addresses: number;
  readonly rooms: number;
  readonly members: number;
  readonly forwarded: number;
  /** Messages dropped, by reason (invalid, spoofed, rate, unknown peer…). */
  readonly dropped: Readonly<Record<string, number>>;
  /** Sockets closed by the server, by reason. */
  readonly closed: Readonly<Record<string, number>>;
  /** Times each limit of SignalingLimits was hit, by limit name. */
  readonly limits: Readonly<Record<string, number>>;
}

export interface SignalingServer {
  readonly wss: WebSocketServer;
  stats(): SignalingServerStats;
  close(): Promise<void>;
}

/** Close codes the server uses (4000-4999 are the application's). */
export const CLOSE = {
  policy: 1008,
  replaced: 4000,
  noAnnounce: 4001,
  roomFull: 4002,
  dead: 4003,
  /** The first announce did not prove its node id (no proof, wrong key, bad signature). */
  unproven: 4004,
  /** Too many sockets, or too many unannounced ones, from the remote address. */
  tooMany: 4005,
  /** The remote address already holds its share of the lattice's room. */
  roomShare: 4006,
} as const;

/** Bytes a slow receiver may have queued before messages to it are dropped (signaling is retried anyway). */
const MAX_QUEUED_BYTES = 1024 * 1024;

interface Client {
  readonly socket: WebSocket;
  readonly address: string;
  /** The challenge sent on connect: the first announce must sign it. */
  readonly nonce: string;
  readonly bucket: TokenBucket;
  /** Broadcasts (announce or bye to the whole room) are limited apart from addressed messages. */
  readonly broadcasts: TokenBucket;
  member: Member | undefined;
  invalid: number;
  alive: boolean;
  announceTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The WebSocket signaling server (docs/requirements.md §5): rooms by lattice; the server challenges each new
 * socket with a nonce, and its first message announces its node id and lattice with proof of the
 * id's key (src/ports/signal-proof.ts); addressed messages go to that node in the same lattice
 * only; announces and byes without an address go to at most `fanout` others of the lattice. It
 * relays, it never trusts: every message is validated, re-serialized from the validated fields,
 * size- and rate-limited, and must carry the id its socket proved; each remote address has a
 * bounded number of sockets and a bounded share of each room.
 */
export function attachSignaling(server: Server, options: SignalingOptions = {}): SignalingServer {
  const limits: SignalingLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const log = options.log ?? ((m: string) => console.warn(`[signaling] ${m}`));
  const rooms = new Rooms();
  const clients = new Set<Client>();
  const dropped = new ReasonCounter();
  const closed = new ReasonCounter();
  const limitHits = new LimitCounter(log);
  const addresses = new AddressBook(limits);
  let forwarded = 0;

  const wss = new WebSocketServer({
    server,
    path: options.path ?? '/signal',
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    verifyClient: options.anyOrigin ? undefined : ({ req }: { req: IncomingMessage }) => sameOrigin(req),
  });

  const drop = (client: Client, reason: string, abusive: boolean): void => {
    dropped.add(reason);
    if (!abusive) return;
    client.invalid += 1;
    if (client.invalid === limits.maxInvalid + 1) {
      log(`closing a socket after ${client.invalid} bad messages (last: ${reason})`);
      cut(client, CLOSE.policy, 'too many invalid messages', 'abusive');
    }
  };

  const cut = (client: Client, code: number, text: string, reason: string): void => {
    closed.add(reason);
    client.socket.close(code, text);
    // A peer that ignores the close handshake must not hold the slot.
    setTimeout(() => client.socket.terminate(), 2000).unref();
  };

  const deliver = (target: Member, text: string): void => {
    if (target.socket.readyState !== target.socket.OPEN) return dropped.add('target-closed');
    if (target.socket.bufferedAmount > MAX_QUEUED_BYTES) return dropped.add('target-slow');
    target.socket.send(text);
    forwarded += 1;
  };

  /** To at most `fanout` others of the room, least recently served first; the count says if some were left out. */
  const broadcast = (member: Member, text: string): void => {
    if (rooms.size(member.lattice) - 1 > limits.fanout) {
      limitHits.hit('fanout', `a broadcast in ${member.lattice} reaches ${limits.fanout} of its members`);
    }
    for (const other of rooms.fanout(member, limits.fanout)) deliver(other, text);
  };

  const route = (client: Client, member: Member, signal: Signal): void => {
    const text = JSON.stringify(signal.type === 'announce' ? withoutProof(signal) : signal);
    if (signal.to !== undefined) {
      const target = rooms.get(member.lattice, signal.to);
      if (target === undefined) return dropped.add('unknown-peer');
      return deliver(target, text);
    }
    if (signal.type !== 'announce' && signal.type !== 'bye') return drop(client, 'missing-to', true);
    if (!client.broadcasts.take(now())) {
      limitHits.hit('broadcastPerSecond', `${member.id} broadcasts too often`);
      return dropped.add('broadcast-rate');
    }
    broadcast(member, text);
  };

  const register = (client: Client, signal: Signal): Member | undefined => {
    if (signal.type !== 'announce') {
      drop(client, 'not-announced', true);
      return undefined;
    }
    // Proof before anything else: an unproven claim never touches the room, nor whoever holds the id.
    const verdict = checkAnnounceProof(signal, client.nonce);
    if (verdict !== 'ok') {
      dropped.add(verdict);
      cut(client, CLOSE.unproven, 'node id not proven', 'unproven');
      return undefined;
    }
    const replacing = rooms.get(signal.lattice, signal.from) !== undefined;
    if (!replacing && rooms.size(signal.lattice) >= limits.maxPerRoom) {
      limitHits.hit('maxPerRoom', `lattice ${signal.lattice} is full`);
      cut(client, CLOSE.roomFull, 'lattice full', 'room-full');
      return undefined;
    }
    if (!replacing && rooms.shareOf(signal.lattice, client.address) >= limits.maxRoomSharePerAddress) {
      limitHits.hit('maxRoomSharePerAddress', `${client.address} holds its share of ${signal.lattice}`);
      cut(client, CLOSE.roomShare, 'too many members from this address', 'room-share');
      return undefined;
    }
    const member: Member = {
      socket: client.socket,
      id: signal.from,
      lattice: signal.lattice,
      address: client.address,
      lastServed: 0,
    };
    const previous = rooms.add(member);
    client.member = member;
    addresses.announced(client.address);
    if (client.announceTimer !== undefined) clearTimeout(client.announceTimer);
    // The same node again, proven by the same key (a reload, a new socket after a network change):
    // the old socket is stale.
    if (previous !== undefined && previous.socket !== client.socket) {
      closed.add('replaced');
      previous.socket.close(CLOSE.replaced, 'replaced by a newer connection');
    }
    return member;
  };

  const onMessage = (client: Client, raw: RawData, isBinary: boolean): void => {
    if (!client.bucket.take(now())) return drop(client, 'rate', true);
    if (isBinary) return drop(client, 'binary', true);
    const text = rawText(raw);
    const parsed = parseSignal(text);
    if (!parsed.ok) return drop(client, parsed.reason, true);
    const signal = parsed.signal;
    if (signal.to === signal.from) return drop(client, 'to-self', true);
    let member = client.member;
    if (member === undefined) {
      member = register(client, signal);
      if (member === undefined) return;
    } else if (signal.from !== member.id || signal.lattice !== member.lattice) {
      return drop(client, 'spoofed', true);
    }
    route(client, member, signal);
  };

  const onClose = (client: Client): void => {
    clients.delete(client);
    if (client.announceTimer !== undefined) clearTimeout(client.announceTimer);
    addresses.closed(client.address, client.member !== undefined);
    const member = client.member;
    if (member === undefined || !rooms.remove(member)) return;
    // Only the signaling socket is gone: peers keep a live WebRTC link, but stop trying to open one.
    const bye: Signal = { type: 'bye', from: member.id, lattice: member.lattice, data: { reason: 'gone' } };
    broadcast(member, JSON.stringify(bye));
  };

  /** Refuses a socket over its address's limits before it costs more than the upgrade. */
  const admit = (socket: WebSocket, address: string): boolean => {
    const limit = addresses.admit(address);
    if (limit === undefined) return true;
    limitHits.hit(limit, `refused a socket from ${address}`);
    closed.add('too-many');
    socket.on('error', () => undefined);
    socket.close(CLOSE.tooMany, 'too many connections from this address');
    setTimeout(() => socket.terminate(), 2000).unref();
    return false;
  };

  wss.on('connection', (socket, req) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!admit(socket, address)) return;
    const client: Client = {
      socket,
      address,
      nonce: randomBytes(18).toString('base64url'),
      bucket: new TokenBucket(limits.ratePerSecond, limits.burst, now()),
      broadcasts: new TokenBucket(limits.broadcastPerSecond, limits.broadcastBurst, now()),
      member: undefined,
      invalid: 0,
      alive: true,
      announceTimer: undefined,
    };
    clients.add(client);
    client.announceTimer = setTimeout(() => {
      if (client.member === undefined) cut(client, CLOSE.noAnnounce, 'announce first', 'no-announce');
    }, limits.announceTimeoutMs);
    client.announceTimer.unref();
    const challenge: ServerChallenge = { type: 'challenge', nonce: client.nonce };
    socket.send(JSON.stringify(challenge));
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (raw, isBinary) => {
      try {
        onMessage(client, raw, isBinary);
      } catch (error) {
        // Nothing a peer sends may take the server down.
        log(`message handler failed: ${String(error)}`);
        drop(client, 'handler-error', true);
      }
    });
    socket.on('close', () => onClose(client));
    socket.on('error', (error) => {
      dropped.add('socket-error');
      log(`socket error: ${error.message}`);
    });
  });

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        closed.add('dead');
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, limits.heartbeatMs);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise((resolve) => {
      clearInterval(heartbeat);
      for (const client of clients) client.socket.terminate();
      wss.close(() => resolve());
    }));
  server.once('close', () => void close());

  return {
    wss,
    stats: () => ({
      sockets: clients.size,
      ...addresses.counts(),
      ...rooms.counts(),
      forwarded,
      dropped: dropped.snapshot(),
      closed: closed.snapshot(),
      limits: limitHits.snapshot(),
    }),
    close,
  };
}

/** The proof answers this server's challenge to this socket; nobody else has a use for it. */
function withoutProof(signal: AnnounceSignal): AnnounceSignal {
  const { proof: _proof, ...data } = signal.data;
  return { ...signal, data };
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}

/** Browsers send Origin; a page from another site may not use our signaling. Non-browser clients send none. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
