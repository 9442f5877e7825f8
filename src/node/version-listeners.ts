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
 * `versions` changed the store; `removed` left it (superseded by a merge, dropped by a tombstone,
 * or purged on expiry: origin 'expired'), so a sync index can follow the stored set exactly.
 */
export type VersionListener = (
  versions: readonly Version[],
  origin: VersionOrigin,
  removed: readonly Version[],
  /** For 'released': the link and path the held writes first came by (none if unknown). */
  source?: VersionSource,
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

  emit(versions: readonly Version[], origin: VersionOrigin, removed: readonly Version[], source?: VersionSource): void {
    if (versions.length === 0 && removed.length === 0) return;
    this.events.emit('versions', versions, origin, removed, source);
  }
}
