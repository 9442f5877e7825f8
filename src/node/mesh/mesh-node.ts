import type { ComponentKind, EntityId, NodeId } from '../../core/ids';
import { leadsClass } from '../../core/budget/class-of';
import type { Version } from '../../core/merge/version';
import {
  DEFAULT_ROUND_TIMEOUT_MS,
  Announcements,
  idKey,
  INVALID_INPUT_REASON,
  InvalidBackoff,
  OpenAllowances,
  RoundTurns,
  LimitCounter,
  LimitName,
  sumLimitCounts,
  SessionState,
  numbering,
  SyncIndex,
  type VersionFinder,
  type LimitCounts,
  type PeerStats,
} from '../../core/sync';
import { MAX_LINGERING_LINKS, MAX_LINKS, type AcceptLink, type Link } from '../../ports/transport';
import type { PendingCommit, VersionListener, VersionOrigin, VersionSource } from '../lattice-node';
import { decodeToken, isTokenText } from '../../core/roster/invitation-token';
import { ADMIT_ALL, admitting } from '../security/admission';
import { NodeLimitName, type LimitsHit, type SecurityStats } from '../security/mesh-security';
import {
  MAX_EVIDENCE,
  MAX_EVIDENCE_PER_AUTHOR,
  MAX_EVIDENCE_PER_ENTITY,
  type EvidenceStats,
} from '../../core/store/evidence';
import { FrameSigner } from './frame-signer';
import { MeshBudget } from './mesh-budget';
import { MeshLink, type LinkBudgetDeps } from './mesh-link';
import { RelayWaits } from './relay-waits';
import { VersionClasses } from './version-classes';
import type { MeshNodeOptions, MeshStore, SyncStatus } from './mesh-types';

/** What a store without gatherCommits gives back: nothing held, nothing to release. */
const noRelease = (): void => undefined;

/** What securityStats reports of evidence for a node that does not say (a test double). */
const NO_EVIDENCE: EvidenceStats = {
  equivocations: 0,
  held: 0,
  authors: 0,
  refused: 0,
  limit: { perAuthor: MAX_EVIDENCE_PER_AUTHOR, node: MAX_EVIDENCE, perEntity: MAX_EVIDENCE_PER_ENTITY },
};

export const DEFAULT_GRAFT_AFTER_MS = 150;
/** Eager in-links a node always keeps: pruning below this could cut it off from the live tree. */
export const MIN_EAGER_IN = 2;

/** A link MeshNode.retire closes once its watched version has left, or at `until`. */
interface Retiring {
  readonly reason: string;
  readonly until: number;
  readonly watch: (v: Version) => boolean;
  /** The version went to the link whole (or came by it). */
  sent: boolean;
}

/**
 * Binds one node to many links (runs in the worker). Each link gets a PeerSession; local writes
 * are pushed live to every peer; versions that changed our store because peer X pushed them live
 * are relayed to every other peer once our commit of them is durable, never back to X (nothing
 * leaves before it is durable: docs/architecture.md). Only versions that changed the store travel on,
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
  private readonly announcements = new Announcements<MeshLink>();
  /** Live versions waiting for their commit before the relay, with the links known to hold them (relay-waits.ts). */
  private readonly relayWaits = new RelayWaits<MeshLink>();
  /** Peers closed for invalid input, refused for longer after each close. */
  private readonly backoff = new InvalidBackoff<NodeId>();
  /** The node's responder rounds, one link at a time (round-turns.ts). */
  private readonly turns: RoundTurns<object>;
  private readonly initiatorTurns: RoundTurns<object>;
  /** Each peer's reconcile-open allowance, kept across its links (MAX_OPEN_ALLOWANCE_PEERS peers). */
  private readonly opens = new OpenAllowances<NodeId>();
  /** Limits hit outside any open link (links refused while backing off). */
  private readonly refused = new LimitCounter();
  /** Limits hit on links that have closed: kept, or a link cut for what it sent would take its counts with it. */
  private readonly closedLinksHit = new LimitCounter();
  private readonly counted = new WeakSet<MeshLink>();
  private readonly links = new Map<NodeId, MeshLink>();
  private readonly maxLinks: number;
  private readonly unsubscribe: () => void;
  private readonly budget: MeshBudget;
  private readonly linkBudget: LinkBudgetDeps;
  /** Signs weighted live frames of our own versions on budgeted links, one batch each (frame-signer.ts). */
  readonly frameSigner: FrameSigner;
  private readonly unbudget: () => void;
  private closed = false;
  /** The invitation token our handshake proofs carry (MeshNodeOptions.invitation, setInvitation). */
  private invitation: string | undefined;
  /** Our own writes waiting for the coalescing timer (coalesceLocalMs), oldest first. */
  private pendingLocal: Version[] = [];
  /** Versions whose commit failed, each with the number of the wait that covers it (afterRetry). */
  private readonly failedCommits = new Map<Version, number>();
  /** Of failedCommits, how many were still held at the last sweep. */
  private failedKept = 0;
  private retryWait = 0;
  private retryArmed = false;
  private cancelLocal: (() => void) | undefined;
  /** Links to close once a version they are to carry has left (retire). */
  private readonly retiring = new Map<NodeId, Retiring>();

  constructor(private readonly options: MeshNodeOptions) {
    this.node = options.node;
    // The new-register limit charges only registers the store does not hold (a store that cannot say: all).
    const holding = options.node.holding?.bind(options.node);
    if (holding !== undefined) options.security.holding = holding;
    this.maxLinks = options.maxLinks ?? MAX_LINKS;
    this.setInvitation(options.invitation);
    const node = this.node;
    const find: VersionFinder | undefined =
      node.numberOf !== undefined && node.retainedAt !== undefined
        ? { numberOf: (e) => node.numberOf!(e), retainedAt: (n, k) => node.retainedAt!(n, k) }
        : node.retainedOf === undefined
          ? undefined
          : numbering((e: EntityId, k: ComponentKind) => node.retainedOf!(e, k));
    // The id table's seed: secret, so a peer cannot choose ids that share a run (id-table.ts).
    const [s0, s1, s2, s3] = crypto.getRandomValues(new Uint32Array(4));
    this.index = new SyncIndex(node.versions(), find, [s0!, s1!, s2!, s3!]);
    this.unsubscribe = this.node.onVersions((versions, origin, removed, source, commits) =>
      this.onVersions(versions, origin, removed, source, commits),
    );
    this.accept = (link) => this.acceptLink(link);
    // The next link's held open is answered once what the last round brought is durable: before,
    // our set leaves it out and the initiator would send it again (docs/architecture.md).
    const whenDurable = (answer: (now: number) => void): void => {
      const durable = this.node.durable?.();
      const run = (): void => {
        if (!this.closed) answer(this.options.now());
      };
      if (durable === undefined) run();
      else void durable.then(run);
    };
    this.turns = new RoundTurns(whenDurable);
    this.initiatorTurns = new RoundTurns(whenDurable);
    const budgets = options.budgets;
    this.budget = new MeshBudget(budgets?.current, options.now, options.queueLimits);
    const classes = new VersionClasses((entity) => node.threatOf?.(entity) ?? 'NONE', node.entityColumn?.('u8'));
    const security = options.security;
    this.frameSigner = new FrameSigner(
      this.node.nodeId,
      (batch) => security.signOwnBatch(batch),
      options.now,
      (m, d) => this.log(m, d),
    );
    this.linkBudget = {
      budget: this.budget,
      classes,
      frameSigner: this.frameSigner,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    };
    const offChange = budgets?.onChange((config) => this.budget.configure(config));
    const offStats = budgets?.provideStats({ link: (peer) => this.budget.link(peer), node: () => this.budget.node() });
    this.unbudget = () => {
      offChange?.();
      offStats?.();
    };
  }

  /** Per-peer link state, RTT, picture age, progress and traffic. */
  peers(): PeerStats[] {
    const now = this.options.now();
    return [...this.links.values()].map((l) => ({ ...l.session.stats(now), peer: l.peer }));
  }

  syncStatus(): SyncStatus {
    let synced = 0;
    let syncing = 0;
    let stuck = 0;
    let lastSyncAt: number | undefined;
    for (const s of this.peers()) {
      stuck += s.stuck;
      if (s.state === SessionState.Synced) synced += 1;
      else if (s.state === SessionState.Syncing || s.state === SessionState.Handshake) syncing += 1;
      if (s.lastSyncAt !== undefined) lastSyncAt = Math.max(lastSyncAt ?? 0, s.lastSyncAt);
    }
    const limitsHit = this.syncLimitsHit();
    return {
      peers: this.links.size,
      synced,
      syncing,
      stuck,
      lastSyncAt,
      items: this.index.size,
      limitsHit,
      stale: this.index.stale,
    };
  }

  /** The sync limits hit: open links', links refused while backing off, and the sync index's bounds. */
  private syncLimitsHit(): LimitCounts {
    const index = new LimitCounter();
    index.hit(LimitName.Claims, this.index.claimsEvicted);
    index.hit(LimitName.RefusedIds, this.index.refusedEvicted);
    index.hit(LimitName.HeldBack, this.index.heldBackEvicted);
    index.hit(LimitName.OpenAllowancePeers, this.opens.evicted);
    return sumLimitCounts([
      this.refused.snapshot(),
      index.snapshot(),
      this.closedLinksHit.snapshot(),
      ...this.peers().map((s) => s.limitsHit),
    ]);
  }

  /** Versions refused on ingest by reason, verifications, keys, limits hit, peers penalised (docs/security.md). */
  securityStats(): SecurityStats {
    const { equivocations, ...evidence } = this.node.evidenceStats?.() ?? NO_EVIDENCE;
    const security = this.options.security;
    const hold = this.node.skewHoldRefused?.();
    const limitsHit: LimitsHit = {
      ...this.syncLimitsHit(),
      [NodeLimitName.KnownKeys]: security.keys.evicted,
      [NodeLimitName.SkewHeld]: hold?.overflow ?? 0,
      [NodeLimitName.SkewHeldPerAuthor]: hold?.['author-quota'] ?? 0,
      [NodeLimitName.SkewHeldBytes]: hold?.bytes ?? 0,
    };
    return { ...security.stats(), equivocations, evidence, limitsHit };
  }

  /**
   * The invitation token to present in the handshake proof of every link made from now on (a
   * joining device, `join(token)`); undefined for none. Throws for text that cannot be a token.
   */
  setInvitation(token: string | undefined): void {
    if (token !== undefined && !isTokenText(token))
      throw new Error('an invitation token is base64url text of 1-200 characters');
    this.invitation = token;
  }

  /** Closes the link to `peer` (true if there was one). */
  disconnect(peer: NodeId, reason = 'disconnected'): boolean {
    const l = this.links.get(peer);
    if (l === undefined) return false;
    l.shut(reason);
    return true;
  }

  /**
   * Closes the link to `peer` once a version `watch` picks (a removed device's removal op) has been
   * handed to it whole and it has drained (MeshLink.drained: nothing of ours queued, the channel's
   * buffer empty), or after `withinMs` at the latest, whichever comes first (docs/security.md, "A
   * removed device"). Came by that link, the version is the peer's already: drained is enough.
   * Checked as versions are pushed and on every tick. False if there is no link.
   */
  retire(peer: NodeId, reason: string, watch: (v: Version) => boolean, withinMs: number): boolean {
    if (!this.links.has(peer)) return false;
    this.retiring.set(peer, { reason, until: this.options.now() + withinMs, watch, sent: false });
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
    // No periodic resend of keys: an author's key goes ahead of its versions, and again when the
    // peer lacks one of them (docs/security.md, "Keys on the wire").
    for (const l of [...this.links.values()]) l.tick(now);
    this.closeRetired(now);
    // Links wake on their own timers; the tick also polls them, for hosts without a scheduler.
    this.budget.pumpAll();
    this.index.expire(now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelLocal?.();
    this.cancelLocal = undefined;
    this.pendingLocal = [];
    this.unsubscribe();
    this.unbudget();
    for (const l of [...this.links.values()]) l.shut('node closing');
  }

  private acceptLink(link: Link): MeshLink {
    const security = this.options.security;
    const options = {
      ...this.options.session,
      self: this.node.nodeId,
      lattice: this.node.lattice,
      peer: link.peer,
      // Asked for at the first open, once the handshake proved the id: relinking buys no fresh burst.
      openAllowance: (now: number) => this.opens.of(link.peer, now),
      responderTurns: this.turns,
      initiatorTurns: this.initiatorTurns,
      key: security.publicKey,
      nonce: security.nonce(),
      // Never sent: keys what the link remembers of its answers (sent-recently.ts).
      secret: security.nonce(),
      // A bearer token: it goes only to the member that issued it, never to any peer that links.
      ...(this.invitation === undefined || decodeToken(this.invitation)?.inviter !== link.peer
        ? {}
        : { invitation: this.invitation }),
    };
    const l: MeshLink = new MeshLink(
      link,
      { ...options, log: (m, d) => this.log(`[${link.peer}] ${m}`, d) },
      this.index,
      {
        // The source comes back with writes held for clock skew, to relay them as they came.
        apply: (versions, live) => {
          const applied = this.node.applyRemote(versions, { via: l, live });
          if (this.relayWaits.size > 0 && applied.length < versions.length)
            this.noteDuplicateHolders(l, versions, applied);
          return applied;
        },
        gather: () => this.node.gatherCommits?.() ?? noRelease,
        mayPrune: () => [...this.links.values()].filter((x) => x.session.eagerIn).length > MIN_EAGER_IN,
        held: () => this.node.heldFrom?.(l) ?? 0,
        hello: (key, node, done) => security.hello(key, node, done),
        prove: (bytes, done) => security.prove(bytes, done),
        checkProof: (key, bytes, sig, node, done) => security.checkProof(key, bytes, sig, node, done),
        admit: admitting(this.options.admit ?? ADMIT_ALL, security, this.options.now, (m, d) => this.log(m, d)),
        // A refusal's proof (a removed device learning it was removed): verified as any ingest,
        // merged if it passes (MeshSecurity.refusalProof; docs/security.md, "A removed device").
        refusedWith: (proof) =>
          security.refusalProof(proof, link.peer, (versions) => void this.node.applyRemote(versions)),
        authorKey: (author) => security.keys.vouchedKey(author),
        learnKeys: (keys, done) => security.learnKeys(keys, done),
        // The link's id was bound to its key at the hello, so `from` is proven.
        verify: (versions, done) => security.verify(versions, link.peer, done),
      },
      this.options.now,
      (m, d) => this.log(m, d),
      this.linkBudget,
    );
    l.session.on('synced', (applied) => this.syncedWith(l, applied));
    l.session.on('unsent', (reason) => this.node.noteUnsent?.(reason));
    l.session.on('announced', (ids) => {
      const refused = this.announcements.note(ids, l, this.options.now(), (id) => this.index.has(id));
      l.session.limitHit(LimitName.AnnouncedShare, refused);
      if (this.relayWaits.size > 0) for (const id of ids) this.relayWaits.heldBy(idKey(id), l);
    });
    l.on('closed', (reason) => this.dropped(l, reason));
    // Admission answers later: the bound is kept when a link starts to linger, not only at accept.
    l.session.on('lingering', () => this.boundLingering());
    const old = this.links.get(link.peer);
    if (this.backoff.refuses(link.peer, this.options.now())) {
      this.refused.hit(LimitName.InvalidBackoff);
      l.refuse('backing off after invalid input');
      return l;
    }
    // A link we refused at admission and only wait on to close holds no slot (MAX_LINGERING_LINKS).
    const replaces = old !== undefined && !old.lingering;
    if (this.closed || (!replaces && this.openLinks() >= this.maxLinks)) {
      l.refuse(this.closed ? 'node closed' : `mesh full (${this.maxLinks} links)`);
      return l;
    }
    old?.shut('replaced by a new link');
    this.links.set(link.peer, l);
    l.start();
    return l;
  }

  private onVersions(...[versions, origin, removed, source, commits]: Parameters<VersionListener>): void {
    // Versions not durable yet are held (has, holds) but neither reconciled nor served until their
    // commit lands (docs/architecture.md, "Nothing leaves before it is durable").
    this.index.add(versions, commits !== undefined);
    this.index.remove(removed);
    this.linkBudget.classes.noted(versions);
    if (origin === 'expired') this.linkBudget.classes.forget(removed);
    if (commits !== undefined) return this.whenDurable(commits, origin, source);
    if (versions.length === 0 || origin === 'remote') return;
    // A version superseded within the same batch is not worth sending.
    const gone = removed.length > 0 ? new Set(removed) : undefined;
    const out = gone === undefined ? versions : versions.filter((v) => !gone.has(v));
    if (origin === 'local') return this.pushLocal(out);
  }

  /**
   * A peer's versions (merged, or held for clock skew and released) go on once the commit storing
   * them has landed, each lane's as it lands (a decision does not wait for the bulk commit beside
   * it), and in the order merged within a lane (its commits settle in order): into the
   * reconciliation set, and live to every other link if they came live, not back to theirs. Those
   * that came by repair (or from nowhere known) are left to reconciliation: the completed round
   * makes us reconcile with our other peers (syncedWith). Those whose commit failed are never
   * relayed; they join the reconciliation set once the write-behind's retry has stored them.
   */
  private whenDurable(commits: readonly PendingCommit[], origin: VersionOrigin, source?: VersionSource): void {
    const via = source?.live === true && (origin === 'remote' || origin === 'released') ? source.via : undefined;
    // The mesh hands applyRemote its own links as the source (acceptLink): nothing else comes back.
    const from = via instanceof MeshLink ? via : undefined;
    for (const { versions, committed } of commits) {
      // Links whose peers show meanwhile that they hold one of these are skipped (relay-waits.ts).
      const ids = from === undefined ? undefined : versions.map((v) => this.index.keyOf(v));
      if (ids !== undefined) for (const k of ids) this.relayWaits.wait(k, this.announcements.announcers(k));
      committed.then(
        () => {
          this.index.durable(versions);
          if (ids === undefined) return;
          let held: Map<Version, ReadonlySet<MeshLink>> | undefined;
          for (let i = 0; i < ids.length; i++) {
            const holders = this.relayWaits.take(ids[i]!);
            if (holders !== undefined) (held ??= new Map()).set(versions[i]!, holders);
          }
          // A version superseded meanwhile (in the same batch, or since) is not worth sending.
          this.relay(this.stillStored(versions), from, true, held);
        },
        () => {
          if (ids !== undefined) for (const k of ids) this.relayWaits.take(k);
          this.afterRetry(versions);
        },
      );
    }
  }

  /**
   * Versions whose commit failed: they join the reconciliation set once the write-behind's retry has
   * stored them (LatticeNode.durable). One wait at a time, whatever the number of failed batches: a
   * full disk can last hours while peers keep writing, and a wait per batch held every batch's
   * versions, superseded or not. Each version waits under the number of the wait that covers it
   * (durable() resolves once everything enqueued before the call has landed), and those the index
   * no longer holds (superseded, withdrawn) are let go when the set doubles, so it stays within
   * about twice the versions pending in the index.
   */
  private afterRetry(versions: readonly Version[]): void {
    const durable = this.node.durable;
    if (durable === undefined || this.closed) return;
    const failed = this.failedCommits;
    for (const v of versions) failed.set(v, this.retryWait + 1);
    if (failed.size > 2 * this.failedKept + 1_024) {
      for (const v of failed.keys()) if (!this.index.holds(v)) failed.delete(v);
      this.failedKept = failed.size;
    }
    if (this.retryArmed) return;
    this.retryArmed = true;
    const wait = ++this.retryWait;
    void durable.call(this.node).then(() => {
      this.retryArmed = false;
      const landed: Version[] = [];
      for (const [v, w] of failed) {
        if (w > wait) continue;
        failed.delete(v);
        landed.push(v);
      }
      this.failedKept = Math.min(this.failedKept, failed.size);
      this.index.durable(landed);
      if (failed.size > 0) this.afterRetry([]);
    });
  }

  /**
   * Our own writes go live at once, or (with coalesceLocalMs and a scheduler) gathered until the
   * timer fires, so a burst of single writes crosses each hop (worker → page, data channel, page →
   * worker, the receiver's merge and commit) as one message rather than one per write. The gate's
   * changes (approvals, tasks, threat changes to or from HIGH) and deletes never wait for that
   * timer: they go in the turn they became durable. In a busy worker a timer of 0 ms runs behind
   * every task already queued (the simulator's parts, frames, storage completions), and the prompt
   * on the peer waits for it (docs/c2-pipeline.md, "The priority lane").
   */
  private pushLocal(versions: readonly Version[]): void {
    const ms = this.options.coalesceLocalMs;
    const scheduler = this.options.scheduler;
    if (ms === undefined || scheduler === undefined) return this.relay(versions, undefined, false);
    if (versions.length === 0 || this.closed) return;
    const classes = this.linkBudget.classes;
    let urgent: Version[] | undefined;
    for (const v of versions) {
      if (leadsClass(v.kind, classes.classOf(v))) (urgent ??= []).push(v);
      else this.pendingLocal.push(v);
    }
    if (urgent !== undefined) this.relay(urgent, undefined, false);
    if (this.pendingLocal.length > 0) this.cancelLocal ??= scheduler.after(ms, () => this.flushLocal());
  }

  private flushLocal(): void {
    this.cancelLocal = undefined;
    const pending = this.pendingLocal;
    this.pendingLocal = [];
    // A version a later write of the same burst superseded is not worth sending.
    this.relay(this.stillStored(pending), undefined, false);
  }

  /** Versions a batch applied that a later one of the same batch did not supersede. */
  private stillStored(applied: readonly Version[]): readonly Version[] {
    return applied.filter((v) => this.index.holds(v));
  }

  /**
   * Pushes versions live to every peer but the one they came from; `relayed` if not our own writes.
   * `held`: per version, the links whose peers sent or announced it while its relay waited for the
   * commit (relay-waits.ts), which it does not go to either.
   */
  private relay(
    versions: readonly Version[],
    from: MeshLink | undefined,
    relayed: boolean,
    held?: ReadonlyMap<Version, ReadonlySet<MeshLink>>,
  ): void {
    if (versions.length === 0 || this.closed) return;
    // Not back to the peer they came from, on the link they came by or on one it opened since (a
    // relay waits for the commit, and the link may have dropped and come back meanwhile).
    const source = from?.peer;
    for (const l of this.links.values()) {
      if (l === from || l.peer === source) continue;
      const out = held === undefined ? versions : versions.filter((v) => held.get(v)?.has(l) !== true);
      if (out.length > 0) l.pushLive(out, relayed);
    }
    if (this.retiring.size > 0) this.noteRetiring(versions, from, relayed, held);
  }

  /** Notes the links whose peers hold versions they sent us as duplicates while their relay waits. */
  private noteDuplicateHolders(link: MeshLink, versions: readonly Version[], applied: readonly Version[]): void {
    const changed = new Set(applied);
    for (const v of versions) if (!changed.has(v)) this.relayWaits.heldBy(this.index.keyOf(v), link);
  }

  /**
   * A link being retired carried the version it waits for: whole, not as an id (a relayed version
   * goes as an id to a peer that pruned us), or the version came by that link.
   */
  private noteRetiring(
    versions: readonly Version[],
    from: MeshLink | undefined,
    relayed: boolean,
    held: ReadonlyMap<Version, ReadonlySet<MeshLink>> | undefined,
  ): void {
    for (const [peer, r] of this.retiring) {
      const l = this.links.get(peer);
      if (r.sent || l === undefined || !versions.some(r.watch)) continue;
      // Its peer sent or announced the version: it holds it, as if it had come by that link.
      if (held !== undefined && versions.some((v) => r.watch(v) && held.get(v)?.has(l) === true)) {
        r.sent = true;
        continue;
      }
      // A push goes out only on a link past its handshake (PeerSession.localVersions drops it
      // before): one still in it has not carried the version, and closing it then would cut off
      // the admission that refuses the peer with the proof of its removal.
      const state = l.session.state;
      const pushed = state === SessionState.Syncing || state === SessionState.Synced;
      r.sent = l === from || (pushed && (!relayed || l.session.eagerOut));
    }
    this.closeRetired(this.options.now());
  }

  private closeRetired(now: number): void {
    for (const [peer, r] of [...this.retiring]) {
      const l = this.links.get(peer);
      if (l !== undefined && now < r.until && !(r.sent && l.drained)) continue;
      this.retiring.delete(peer);
      l?.shut(r.reason);
    }
  }

  private graftMissing(now: number): void {
    if (this.announcements.size === 0) return;
    const wait = this.options.graftAfterMs ?? DEFAULT_GRAFT_AFTER_MS;
    const due = this.announcements.due(now, wait, (id) => this.index.has(id));
    const until = now + (this.options.session?.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS);
    for (const [link, ids] of due) {
      const claimed = this.index.claim(ids, now, until);
      if (!link.isClosed && claimed.length > 0) link.session.graft(claimed, now);
    }
  }

  /**
   * A round with `from` brought versions: we reconcile with our other peers, once what it brought
   * is durable (before, the reconciliation set leaves it out: docs/architecture.md, "Nothing leaves
   * before it is durable").
   */
  private syncedWith(from: MeshLink, applied: number): void {
    if (applied === 0) return;
    const sync = (): void => {
      if (this.closed) return;
      const now = this.options.now();
      for (const l of this.links.values()) if (l !== from) l.session.syncNow(now);
    };
    const durable = this.node.durable?.();
    if (durable === undefined) sync();
    else void durable.then(sync);
  }

  /** Links that count against maxLinks: all but those we refused and wait on to close. */
  private openLinks(): number {
    let n = 0;
    for (const l of this.links.values()) if (!l.lingering) n++;
    return n;
  }

  /**
   * Closes the oldest links we wait on after a refusal, past MAX_LINGERING_LINKS (counted), when one
   * more starts to wait (admission answers after the link was accepted, so not at accept). A link
   * whose refusal carried the proof of a removal is not closed early: its bye is how the removed
   * device learns it, and strangers refused after it (a fresh key costs nothing) would otherwise
   * cut it off. Those are bounded by the removals the roster holds, not by what a stranger can make.
   */
  private boundLingering(): void {
    let lingering = 0;
    for (const l of this.links.values()) if (l.lingering && !l.lingersWithProof) lingering++;
    for (const l of [...this.links.values()]) {
      if (lingering <= MAX_LINGERING_LINKS) return;
      if (!l.lingering || l.lingersWithProof) continue;
      this.refused.hit(LimitName.LingeringLinks);
      l.shut('refused: closed early, too many refused links waiting');
      lingering--;
    }
  }

  private dropped(link: MeshLink, reason: string): void {
    if (!this.counted.has(link)) {
      this.counted.add(link);
      for (const [name, n] of Object.entries(link.session.stats(this.options.now()).limitsHit)) {
        this.closedLinksHit.hit(name as LimitName, n);
      }
    }
    if (this.links.get(link.peer) === link) this.links.delete(link.peer);
    if (!this.links.has(link.peer)) this.options.security.unlinked(link.peer);
    if (reason === INVALID_INPUT_REASON) {
      this.backoff.closed(link.peer, this.options.now());
      this.options.security.peersPenalised += 1;
    }
    this.announcements.forget(link);
    this.log(`link to ${link.peer} closed: ${reason}`);
    this.options.onLinkClosed?.(link.peer, reason);
  }

  private log(message: string, detail?: unknown): void {
    this.options.log?.(message, detail);
  }
}
