import type { Version } from '../merge/version';
import { MAX_WANT_IDS, MessageType } from './messages';
import { Outbox } from './outbox';
import type { SessionIo } from './session-io';
import { versionId } from './version-id';
import type { VersionFramer } from './version-framer';
import type { WantTracker } from './want-tracker';

/** What goes ahead of whole versions on the link: their authors' keys (PeerSession). */
export interface LiveKeys {
  /** Versions about to go whole: keys the peer is not known to hold go first. */
  ahead(versions: readonly Version[]): void;
  /** Versions the peer asked for (a graft): their keys no longer count as held, and go first. */
  lacks(versions: readonly Version[]): void;
}

const NO_KEYS: LiveKeys = { ahead: () => undefined, lacks: () => undefined };

/** Most ids waiting for the next `ihave` (beyond, anti-entropy covers them). */
const MAX_LAZY_IDS = 4 * MAX_WANT_IDS;
/** Live frames in a row that brought nothing new before we prune the peer's pushes to us. */
export const PRUNE_AFTER_DUPLICATES = 4;

/**
 * Live push on one link, Plumtree style (Leitão et al., "Epidemic Broadcast Trees", 2007). Links
 * start eager: new versions go out in full. When the peer's live frames keep bringing nothing new,
 * it reaches us faster by another path: we send `prune` and it pushes only ids to us (`ihave`,
 * batched per tick). The eager directions thin out towards a spanning tree, so each version
 * crosses about one link per node; an announced id that does not arrive by the tree in time is
 * grafted (`want` with graft), which makes that direction eager again.
 *
 * Unlike the paper, a prune only stops the pruned direction (our pushes to the peer continue until
 * it prunes us in turn), and it takes several duplicate frames in a row: with writers everywhere a
 * link that is the fastest path for some of them keeps delivering fresh versions and stays, so the
 * eager graph does not fall apart and oscillate between prunes and grafts. The host also keeps a
 * few eager in-links per node (its own writes echoing around a cycle look like duplicates too).
 */
export class LivePush {
  /** We push versions to the peer (it has not pruned us, or grafted since). */
  eager = true;
  /** We asked the peer to stop pushing to us. */
  private pruned = false;
  private duplicates = 0;
  private lazy: Uint8Array[] = [];
  private readonly out: Outbox;
  /**
   * Our own writes waiting for room, sent before the relayed ones in `out`: when the link's room
   * (its buffer, the peer's pace) is taken by what we relay, our own writes still go first. A hub
   * relaying a flood at the peer's pace kept its own ordinary write from the peer until the flood
   * ended (attack/urgent-relay-starves.test.ts).
   */
  private readonly own: Outbox;
  /** Versions refused for lack of room (live or repair): a reconciliation must find them. */
  private overflowed = false;
  prunes = 0;
  grafts = 0;

  constructor(
    maxQueued: number,
    private readonly io: SessionIo,
    private readonly framer: VersionFramer,
    private readonly wants: WantTracker,
    /** Whether we may prune one more peer (the host keeps a few eager in-links per node). */
    private readonly mayPrune: () => boolean,
    /**
     * Room for our own writes (default: the link's room): the host may let them past a pace that
     * relays keep spent, within a bound of its own (AntiEntropy: a burst of debt, as for urgent ones).
     */
    private readonly ownRoom: () => boolean = () => io.room(),
    /**
     * Whole versions about to go to the peer (sent now or queued: only those, never ones refused
     * for want of room nor ids to a lazy peer): their authors' keys go first (PeerSession.ahead,
     * or PeerSession.lacks for the versions a graft asks for).
     */
    private readonly keys: LiveKeys = NO_KEYS,
  ) {
    this.out = new Outbox(maxQueued, true);
    this.own = new Outbox(maxQueued, true);
  }

  /** The peer pushes versions to us live (we have not pruned it). */
  get eagerIn(): boolean {
    return !this.pruned;
  }

  /** Versions waiting for room on the link. */
  get queued(): number {
    return this.own.queued + this.out.queued;
  }

  get empty(): boolean {
    return this.own.empty && this.out.empty;
  }

  /** Versions not queued again because they were already waiting. */
  get repeatsSkipped(): number {
    return this.own.duplicates + this.out.duplicates;
  }

  /** Sends queued live frames while the link has room; returns the versions sent. */
  pump(send: (frame: Uint8Array, versions: number) => void, room: () => boolean): number {
    return this.own.pump(this.framer, send, this.ownRoom) + this.out.pump(this.framer, send, room);
  }

  /** Versions were refused for lack of room elsewhere (a repair queue): the same catch-up applies. */
  markOverflowed(): void {
    this.overflowed = true;
  }

  /**
   * True once, when versions were refused for lack of room and the live queue has drained: the
   * caller then reconciles, which finds them again.
   */
  takeOverflow(): boolean {
    if (!this.overflowed || !this.empty) return false;
    this.overflowed = false;
    return true;
  }

  /**
   * Our own writes always go out in full: our out-links are judged by what we relay, not by what we
   * write. `urgent` versions (decisions, HIGH threats, deletes: the host ranks them) go out at once
   * even when the link is full and others wait: they are few and small, and behind a flood of
   * position updates a request would otherwise reach the peer's operator only after all of it.
   */
  push(versions: readonly Version[], relayed: boolean, urgent = false): void {
    if (!this.eager && relayed) {
      for (const v of versions) {
        if (this.lazy.length >= MAX_LAZY_IDS) break;
        this.lazy.push(versionId(v));
      }
      return;
    }
    // Nothing of ours waits ahead of these (our own writes pass the relayed ones waiting).
    const roomNow = relayed ? this.empty && this.io.room() : this.own.empty && this.ownRoom();
    if (urgent || roomNow) {
      this.keys.ahead(versions);
      for (let i = 0; i < versions.length;) {
        const f = this.framer.take(versions, i, versions.length, true);
        if (f.frame.length > 0) this.io.sendFrame(f.frame, f.carried);
        i += f.count;
      }
      return;
    }
    if ((relayed ? this.out : this.own).enqueue(versions, (queued) => this.keys.ahead(queued)) > 0) {
      this.overflowed = true;
    }
  }

  /** Sends the ids gathered since the last tick to a lazy peer. */
  flushLazy(): void {
    while (this.lazy.length > 0) {
      this.io.send({ type: MessageType.IHave, ids: this.lazy.splice(0, MAX_WANT_IDS) });
    }
  }

  /** A live frame from the peer: `fresh` when it changed our store. */
  received(fresh: boolean): void {
    if (fresh) {
      this.duplicates = 0;
      return;
    }
    if (this.pruned || ++this.duplicates < PRUNE_AFTER_DUPLICATES || !this.mayPrune()) return;
    this.pruned = true;
    this.prunes += 1;
    this.io.send({ type: MessageType.Prune });
  }

  /** The peer pruned us: announce ids only. */
  prunedByPeer(): void {
    this.eager = false;
  }

  /**
   * Asks the peer for announced versions that did not come by the tree; the link turns eager.
   * Returns the ids refused because the link tracks MAX_TRACKED_WANTS already (anti-entropy finds them).
   */
  graft(ids: readonly Uint8Array[]): Uint8Array[] {
    const taken = ids.slice(0, this.wants.trackRoom);
    const refused = ids.slice(taken.length);
    if (taken.length === 0) return refused;
    for (let i = 0; i < taken.length; i += MAX_WANT_IDS) {
      const chunk = taken.slice(i, i + MAX_WANT_IDS);
      this.wants.needed += chunk.length;
      this.io.send({ type: MessageType.Want, request: this.wants.track(chunk), graft: true, ids: chunk });
    }
    this.pruned = false;
    this.duplicates = 0;
    this.grafts += 1;
    return refused;
  }

  /** The peer grafted us: push to it again, starting with what it asked for (sent live, so it relays them). */
  grafted(versions: readonly Version[], request: number): void {
    this.eager = true;
    this.lazy = [];
    if (this.out.enqueue(versions, (queued) => this.keys.lacks(queued)) > 0) {
      this.io.log('live queue full: the peer will reconcile the rest');
    }
    this.out.complete(request);
  }

  close(): void {
    this.own.clear();
    this.out.clear();
    this.lazy = [];
  }
}
