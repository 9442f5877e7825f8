import type { NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';
import { Announcements, encodeMessage, MessageType, SessionState, SyncIndex, type PeerStats } from '../../core/sync';
import { MAX_LINKS, type AcceptLink, type Link } from '../../ports/transport';
import type { VersionOrigin } from '../lattice-node';
import type { MeshNodeOptions, MeshStore, SyncStatus } from './mesh-types';
import { PeerLink, type LinkOwner } from './peer-link';

export const DEFAULT_GRAFT_AFTER_MS = 150;
/** Eager in-links a node always keeps: pruning below this could cut it off from the live tree. */
export const MIN_EAGER_IN = 2;

/**
 * Binds one node to many links (runs in the worker). Each link gets a PeerSession; local writes
 * are pushed live to every peer; versions that changed our store because peer X pushed them live
 * are relayed to every other peer, never back to X. Only versions that changed the store travel on,
 * so a version arriving twice stops there: no echo loops. Links that deliver duplicates are pruned
 * to lazy ones that carry ids only (Plumtree, see live-push.ts), and announced ids that do not
 * arrive in time are grafted here. Versions that came by repair are not flooded: the completed
 * round makes us reconcile with our other peers instead, which moves only what they lack. The host
 * drives tick() (an interval in the worker, by hand in tests).
 */
export class MeshNode {
  readonly accept: AcceptLink;
  private readonly node: MeshStore;
  private readonly index: SyncIndex;
  private readonly announcements = new Announcements<PeerLink>();
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly owner: LinkOwner;
  private readonly maxLinks: number;
  private readonly unsubscribe: () => void;
  /** The peer whose versions are being applied right now, and how they came. */
  private applying: { from: PeerLink; live: boolean } | undefined;
  private closed = false;

  constructor(private readonly options: MeshNodeOptions) {
    this.node = options.node;
    this.maxLinks = options.maxLinks ?? MAX_LINKS;
    this.index = new SyncIndex(this.node.versions());
    this.unsubscribe = this.node.onVersions((versions, origin, removed) => this.onVersions(versions, origin, removed));
    this.owner = {
      now: () => options.now(),
      apply: (from, versions, live) => this.apply(from, versions, live),
      synced: (from, applied) => this.syncedWith(from, applied),
      announced: (from, ids) => this.announcements.note(ids, from, options.now(), (id) => this.index.has(id)),
      mayPrune: () => [...this.links.values()].filter((l) => l.session.eagerIn).length > MIN_EAGER_IN,
      dropped: (link, reason) => this.dropped(link, reason),
      log: (message, detail) => this.log(message, detail),
    };
    this.accept = (link) => this.acceptLink(link);
  }

  /** Per-peer link state, RTT, picture age, progress and traffic. */
  peers(): PeerStats[] {
    const now = this.options.now();
    return [...this.links.values()].map((l) => ({ ...l.session.stats(now), peer: l.peer }));
  }

  syncStatus(): SyncStatus {
    let synced = 0;
    let syncing = 0;
    let lastSyncAt: number | undefined;
    for (const s of this.peers()) {
      if (s.state === SessionState.Synced) synced += 1;
      else if (s.state === SessionState.Syncing || s.state === SessionState.Handshake) syncing += 1;
      if (s.lastSyncAt !== undefined) lastSyncAt = Math.max(lastSyncAt ?? 0, s.lastSyncAt);
    }
    return { peers: this.links.size, synced, syncing, lastSyncAt, items: this.index.size };
  }

  /** Closes the link to `peer` (true if there was one). */
  disconnect(peer: NodeId, reason = 'disconnected'): boolean {
    const l = this.links.get(peer);
    if (l === undefined) return false;
    l.shut(reason);
    return true;
  }

  /** Reconciles with every peer now. */
  syncNow(): void {
    const now = this.options.now();
    for (const l of [...this.links.values()]) l.session.syncNow(now);
  }

  /** Heartbeats, timeouts, retries, scheduled rounds, flow-controlled sends. */
  tick(): void {
    const now = this.options.now();
    this.graftMissing(now);
    for (const l of [...this.links.values()]) l.session.tick(now);
    this.index.expire(now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const l of [...this.links.values()]) l.shut('node closing');
  }

  private acceptLink(link: Link): PeerLink {
    const session = { ...this.options.session, self: this.node.nodeId, lattice: this.node.lattice, peer: link.peer };
    const l = new PeerLink(
      link,
      { ...session, log: (m, d) => this.log(`[${link.peer}] ${m}`, d) },
      this.index,
      this.owner,
    );
    const old = this.links.get(link.peer);
    if (this.closed || (old === undefined && this.links.size >= this.maxLinks)) {
      this.refuse(link, this.closed ? 'node closed' : `mesh full (${this.maxLinks} links)`);
      l.closed('refused');
      return l;
    }
    old?.shut('replaced by a new link');
    this.links.set(link.peer, l);
    l.start();
    return l;
  }

  private refuse(link: Link, reason: string): void {
    try {
      link.send(encodeMessage({ type: MessageType.Bye, reason }));
      link.close(reason);
    } catch (error) {
      this.log(`refusing ${link.peer} failed`, error);
    }
  }

  private apply(from: PeerLink, versions: readonly Version[], live: boolean): readonly Version[] {
    this.applying = { from, live };
    try {
      return this.node.applyRemote(versions);
    } finally {
      this.applying = undefined;
    }
  }

  private onVersions(versions: readonly Version[], origin: VersionOrigin, removed: readonly Version[]): void {
    this.index.add(versions);
    this.index.remove(removed);
    if (versions.length === 0 || this.closed) return;
    const from = this.applying;
    if (origin === 'remote' && from !== undefined && !from.live) return;
    // A version superseded within the same batch is not worth sending.
    const gone = removed.length > 0 ? new Set(removed) : undefined;
    const out = gone === undefined ? versions : versions.filter((v) => !gone.has(v));
    const now = this.options.now();
    const relayed = origin === 'remote';
    for (const l of this.links.values()) if (l !== from?.from) l.session.localVersions(out, now, relayed);
  }

  private graftMissing(now: number): void {
    if (this.announcements.size === 0) return;
    const wait = this.options.graftAfterMs ?? DEFAULT_GRAFT_AFTER_MS;
    const due = this.announcements.due(now, wait, (id) => this.index.has(id));
    const until = now + (this.options.session?.roundTimeoutMs ?? 20_000);
    for (const [link, ids] of due) {
      const claimed = this.index.claim(ids, now, until);
      if (!link.isClosed && claimed.length > 0) link.session.graft(claimed, now);
    }
  }

  private syncedWith(from: PeerLink, applied: number): void {
    if (applied === 0) return;
    const now = this.options.now();
    for (const l of this.links.values()) if (l !== from) l.session.syncNow(now);
  }

  private dropped(link: PeerLink, reason: string): void {
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    this.announcements.forget(link);
    this.log(`link to ${link.peer} closed: ${reason}`);
  }

  private log(message: string, detail?: unknown): void {
    this.options.log?.(message, detail);
  }
}
