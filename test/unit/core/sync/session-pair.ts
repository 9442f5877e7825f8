/** Test helper (not a test file): two PeerSessions joined by hand-delivered frame queues. */
import type { ComponentKind, EntityId, NodeId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import {
  decodeMessage,
  PeerSession,
  type SessionHost,
  SyncIndex,
  versionId,
  type SessionOptions,
  type SyncMessage,
} from '../../../../src/core/sync';

export const version = (i: number, node = 'w', ms = 1_000 + i): Version => ({
  entity: `e${i}` as EntityId,
  kind: 'position' as ComponentKind,
  value: { lat: (i % 90) / 2, lon: 1 },
  ts: { ms, c: 0, node: node as NodeId },
  seen: [],
});

/** One side: a session over a SyncIndex that doubles as the store. */
export class Side {
  readonly index: SyncIndex;
  readonly outbox: Uint8Array[] = [];
  readonly sent: SyncMessage[] = [];
  readonly logs: string[] = [];
  closedWith: string | undefined;
  buffered = 0;
  syncedCalls: number[] = [];
  applyCalls = 0;
  session!: PeerSession;

  constructor(
    readonly id: string,
    versions: Version[],
    /** Checks versions from the peer, as a node's signature check does (none: all accepted). */
    private readonly verify?: SessionHost['verify'],
    /** More of the host (authors' keys, for instance). */
    private readonly hostMore: Partial<SessionHost> = {},
  ) {
    this.index = new SyncIndex(versions);
  }

  open(peer: string, now: number, options: Partial<SessionOptions> = {}): void {
    this.session = new PeerSession(
      { self: this.id as NodeId, lattice: 'L', peer: peer as NodeId, log: (m) => this.logs.push(m), ...options },
      this.index,
      {
        bufferedAmount: () => this.buffered,
        apply: (versions) => {
          this.applyCalls += 1;
          const fresh = versions.filter((v) => !this.index.has(versionId(v)));
          this.index.add(fresh);
          return fresh;
        },
        ...(this.verify === undefined ? {} : { verify: this.verify }),
        ...this.hostMore,
      },
      now,
    );
    this.session.on('message', (frame) => {
      this.outbox.push(frame);
      this.sent.push(decodeMessage(frame));
    });
    this.session.on('end', (reason) => {
      this.closedWith = reason;
    });
    this.session.on('synced', (applied) => void this.syncedCalls.push(applied));
    this.session.start(now);
  }

  sentOf<T extends SyncMessage['type']>(type: T): Extract<SyncMessage, { type: T }>[] {
    return this.sent.filter((m) => m.type === type) as Extract<SyncMessage, { type: T }>[];
  }
}

export class Pair {
  now = 10_000;
  readonly a: Side;
  readonly b: Side;
  /** Frames and bytes delivered each way. */
  bytes = 0;
  frames = 0;

  constructor(
    aVersions: Version[],
    bVersions: Version[],
    options: Partial<SessionOptions> = {},
    ids = ['a', 'b'],
    verify: { a?: SessionHost['verify']; b?: SessionHost['verify'] } = {},
    hosts: { a?: Partial<SessionHost>; b?: Partial<SessionHost> } = {},
  ) {
    this.a = new Side(ids[0]!, aVersions, verify.a, hosts.a);
    this.b = new Side(ids[1]!, bVersions, verify.b, hosts.b);
    this.a.open(this.b.id, this.now, options);
    this.b.open(this.a.id, this.now, options);
  }

  /** Delivers queued frames both ways until none are left (or a frame filter drops some). */
  flush(drop: (from: Side, frame: Uint8Array) => boolean = () => false, max = 10_000): number {
    let n = 0;
    while ((this.a.outbox.length > 0 || this.b.outbox.length > 0) && n < max) {
      for (const [from, to] of [
        [this.a, this.b],
        [this.b, this.a],
      ] as const) {
        const frames = from.outbox.splice(0);
        for (const f of frames) {
          n += 1;
          if (drop(from, f)) continue;
          this.bytes += f.length;
          this.frames += 1;
          to.session.receive(f, this.now);
        }
      }
    }
    return n;
  }

  tick(ms: number): void {
    this.now += ms;
    this.a.session.tick(this.now);
    this.b.session.tick(this.now);
  }
}
