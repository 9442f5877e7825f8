import type { EntityStore } from '../core/store/entity-store';
import { isRosterEntity } from '../core/roster/roster-entity';
import type { NodeId } from '../core/ids';
import type { NodeStats, StorageStatus } from './node-api';
import type { SkewHold } from './skew-hold';

export type WriteOutcome = keyof NodeStats['writes'];

/** What the node counts for `stats()`: writes by outcome, and rejections by reason. */
export class NodeCounters {
  private readonly writes: Record<WriteOutcome, number> = { local: 0, remote: 0, duplicate: 0, obsolete: 0 };
  private readonly rejected: Record<string, number> = {};
  /** Versions a peer needed that could not be encoded for the wire. */
  private unsent = 0;

  write(outcome: WriteOutcome, n = 1): void {
    this.writes[outcome] += n;
  }

  /** A refused write, by reason (an error's name, or e.g. 'clock-skew-held'). */
  reject(reason: string, n = 1): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + n;
  }

  /** A version a peer needed could not be encoded for the wire. */
  notSent(): void {
    this.unsent += 1;
  }

  stats(parts: {
    readonly nodeId: NodeId;
    readonly store: EntityStore;
    readonly now: number;
    readonly storage: StorageStatus;
    readonly hold: SkewHold;
  }): NodeStats {
    const { store, hold } = parts;
    // The roster's entities are bookkeeping, not the picture (their versions still count).
    // Counted without building a view per entity, from the store's running totals (each call
    // summarises what changed since the last): benchmarks poll stats() while a sync runs, and a walk
    // of the whole store per call cost the receiving worker ~12 µs a version (docs/benchmarks.md
    // scenario 7).
    const shown = store.countShown(parts.now, isRosterEntity);
    return {
      nodeId: parts.nodeId,
      entities: shown.entities,
      versions: store.size,
      conflicts: shown.conflicts,
      storage: parts.storage,
      writes: { ...this.writes },
      rejected: {
        ...this.rejected,
        ...Object.fromEntries(
          Object.entries(hold.refused)
            .filter(([, n]) => n > 0)
            .map(([reason, n]) => [`clock-skew-${reason}`, n]),
        ),
      },
      held: hold.summary(),
      stuck: { held: hold.size, unsent: this.unsent },
    };
  }
}
