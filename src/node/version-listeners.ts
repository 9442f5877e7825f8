import { Emitter } from '../core/events/emitter';
import type { Version } from '../core/merge/version';

/**
 * Where versions came from: written here, merged from a peer by applyRemote, a peer's write held
 * for clock skew and released later (no peer is at hand then), purged on expiry, or changed when
 * a removed member's late writes were withdrawn (LatticeNode.withdraw: `removed` holds them and
 * what they left behind; `versions`, what is kept again in their place).
 */
export type VersionOrigin = 'local' | 'remote' | 'released' | 'expired' | 'withdrawn';
/**
 * Which peer link a batch came by, and whether it was pushed live (relayed onwards) or came by
 * repair (left to reconciliation). Opaque to the node: the mesh hands it in with applyRemote and
 * gets it back when writes held for clock skew are released.
 */
export interface VersionSource {
  readonly via: object;
  readonly live: boolean;
}

/**
 * One storage commit that stores some of the versions a listener was told of before they are
 * durable (versions merged from peers: the merge shows them at once, the write-behind commits them
 * after). Nothing may leave the node before it is durable (docs/architecture.md, "Nothing leaves
 * before it is durable"): the mesh relays them, and serves them to reconciliation, once `committed`
 * resolves. The commits of one lane settle in the order they were made.
 */
export interface PendingCommit {
  /** The versions (of those told) this commit stores. */
  readonly versions: readonly Version[];
  /**
   * Resolves once the commit is durable; rejects if it failed (the write-behind carries what it
   * held into its next commit and retries: LatticeNode.durable says when that has landed).
   */
  readonly committed: Promise<void>;
}

/**
 * `versions` changed the store; `removed` left it (superseded by a merge, dropped by a tombstone,
 * or purged on expiry: origin 'expired'), so a sync index can follow the stored set exactly.
 */
export type VersionListener = (
  versions: readonly Version[],
  origin: VersionOrigin,
  removed: readonly Version[],
  /** For 'remote' and 'released': the link and path they came by (none if unknown). */
  source?: VersionSource,
  /**
   * The commits that make `versions` durable, when they are not yet (origins 'remote' and
   * 'released'); none: durable already (a local write is told of once its commit has landed).
   */
  commits?: readonly PendingCommit[],
) => void;

interface StoreEvents {
  versions: VersionListener;
}

/**
 * Who hears of every stored-set change (the mesh, for replication): the core Emitter, with its
 * rule that one failing listener is reported and does not stop the rest.
 */
export class VersionListeners {
  private readonly events: Emitter<StoreEvents>;

  constructor(onListenerError: (error: unknown) => void) {
    this.events = new Emitter<StoreEvents>((error) => onListenerError(error));
  }

  add(listener: VersionListener): () => void {
    return this.events.on('versions', listener);
  }

  emit(
    versions: readonly Version[],
    origin: VersionOrigin,
    removed: readonly Version[],
    source?: VersionSource,
    commits?: readonly PendingCommit[],
  ): void {
    if (versions.length === 0 && removed.length === 0) return;
    this.events.emit('versions', versions, origin, removed, source, commits);
  }
}
