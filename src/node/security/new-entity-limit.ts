import { TokenBucket } from '../../core/budget/token-bucket';
import type { EntityId, NodeId } from '../../core/ids';
import type { Version } from '../../core/merge/version';

/**
 * New entities one author may make this node hold (docs/security.md, "New entities per author"):
 * a token bucket per author, one token per entity the node does not hold yet. The burst covers a
 * first sync of a large sensor's picture (scenario 9 fuses 10k tracks; twice that fits), the rate
 * a sensor's steady turnover of new tracks; beyond it a flood costs at most this many new entities
 * per author per second.
 */
export const NEW_ENTITY_BURST = 20_000;
export const NEW_ENTITIES_PER_SECOND = 50;
/** Authors whose buckets are kept (least recently used go first; as many as the key ring holds keys). */
export const MAX_ENTITY_BUCKETS = 4_096;

export interface EntitySplit {
  readonly accepted: Version[];
  /** Versions of new entities over their author's bound: set aside, then asked for again (docs/security.md). */
  readonly refused: Version[];
}

/**
 * Applied to verified, admitted versions before the merge. An entity is charged once, to the author
 * of the first version of it in the batch; every version of a refused entity in the batch is refused
 * with it (nothing is lost: anti-entropy fetches them again once the author has tokens). Our own
 * versions and versions of entities already held are never charged.
 */
export class NewEntityLimit {
  private readonly buckets = new Map<NodeId, TokenBucket>();
  /** Entities refused, for securityStats. */
  hits = 0;

  constructor(
    private readonly self: NodeId,
    private readonly burst = NEW_ENTITY_BURST,
    private readonly ratePerSecond = NEW_ENTITIES_PER_SECOND,
    private readonly maxAuthors = MAX_ENTITY_BUCKETS,
  ) {}

  split(versions: readonly Version[], holds: (entity: EntityId) => boolean, now: number): EntitySplit {
    const accepted: Version[] = [];
    const refused: Version[] = [];
    const decided = new Map<EntityId, boolean>();
    for (const v of versions) {
      let ok = decided.get(v.entity);
      if (ok === undefined) {
        ok = v.ts.node === this.self || holds(v.entity) || this.take(v.ts.node, now);
        decided.set(v.entity, ok);
        if (!ok) this.hits++;
      }
      (ok ? accepted : refused).push(v);
    }
    return { accepted, refused };
  }

  private take(author: NodeId, now: number): boolean {
    let bucket = this.buckets.get(author);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.ratePerSecond, this.burst, now);
      if (this.buckets.size >= this.maxAuthors) this.buckets.delete(this.buckets.keys().next().value!);
    } else this.buckets.delete(author);
    this.buckets.set(author, bucket);
    return bucket.take(now);
  }
}
