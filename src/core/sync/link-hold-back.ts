import type { Item } from '../reconcile/item';
import type { ReconcileStorage } from '../reconcile/storage';
import { UnionStorage } from '../reconcile/union-storage';
import type { SyncSource } from './session-types';
import { idKey } from './version-id';

/**
 * Ids one link's hold-back remembers at once, and versions from it counted as held in its
 * reconciliations; past it the oldest are forgotten (asked of it again, or pushed by it, sooner),
 * each counted (limits.ts LimitName.LinkHeldBack, through the callback the session gives).
 */
export const MAX_LINK_HELD_BACK = 16_384;

/**
 * The hold-back of one link (VerifyVerdict's `this-link`, docs/security.md, "The hold-back"): ids
 * refused before their signature was checked are not asked of this link again, nor taken when it
 * pushes them, for a while; other links are not affected, so an unverified copy sent by one peer
 * never hides the genuine version coming by another. Also what we set aside from this link, either
 * hold-back, counted as held in its reconciliations meanwhile (countAsHeld).
 */
export class LinkHoldBack {
  private readonly until = new Map<string, number>();
  /**
   * Versions this link sent that we set aside (either hold-back): counted as held in this link's
   * reconciliations until their hold-back runs out, so the peer does not push them again unasked
   * at every round, to be dropped on arrival (a peer that runs the rounds pushes what we lack, and
   * so does one answering ours). Id key → its item and until when.
   */
  private readonly asHeld = new Map<string, { readonly item: Item; readonly until: number }>();
  /** The last union handed out, and what it was built from. */
  private union: { base: ReconcileStorage; storage: ReconcileStorage } | undefined;

  /** `forgot`: told of each id forgotten at MAX_LINK_HELD_BACK (the link's limit counter). */
  constructor(private readonly forgot: (n: number) => void = () => undefined) {}

  /** Holds these ids back on this link, each until its `until`. */
  hold(ids: readonly Uint8Array[], until: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) {
      const key = idKey(ids[i]!);
      this.until.delete(key);
      this.until.set(key, until[i]!);
      if (this.until.size > MAX_LINK_HELD_BACK) {
        this.until.delete(this.until.keys().next().value!);
        this.forgot(1);
      }
    }
  }

  /** Counts these versions from the link (their items) as held in its reconciliations until `until`. */
  countAsHeld(items: readonly Item[], until: readonly number[]): void {
    for (let i = 0; i < items.length; i++) {
      const key = idKey(items[i]!.id);
      this.asHeld.delete(key);
      this.asHeld.set(key, { item: items[i]!, until: until[i]! });
      if (this.asHeld.size > MAX_LINK_HELD_BACK) {
        this.asHeld.delete(this.asHeld.keys().next().value!);
        this.forgot(1);
      }
    }
    this.union = undefined;
  }

  /** Forgets what ran out: the next reconciliation finds those versions lacking again. */
  expire(now: number): void {
    for (const [key, e] of this.asHeld) {
      if (e.until > now) continue;
      this.asHeld.delete(key);
      this.union = undefined;
    }
  }

  private storage(source: SyncSource): ReconcileStorage {
    const base = source.storage();
    if (this.asHeld.size === 0) return base;
    if (this.union?.base !== base) {
      const items = [...this.asHeld.values()].map((e) => e.item);
      this.union = { base, storage: new UnionStorage(base, items) };
    }
    return this.union.storage;
  }

  has(id: Uint8Array, now: number): boolean {
    const until = this.until.get(idKey(id));
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(idKey(id));
    return false;
  }

  /**
   * The node's set as this link's rounds see it: what this link is held back for is not claimed,
   * and what we set aside from it counts as held (the storage's union with those items, built once
   * per snapshot of the set and change of the items).
   */
  source(source: SyncSource): SyncSource {
    const asHeld = this.asHeld;
    return {
      // The size of storage(): the node's set and the items counted as held (an open is charged by it).
      get size() {
        return source.size + asHeld.size;
      },
      get newest() {
        return source.newest;
      },
      storage: () => this.storage(source),
      lookup: (ids) => source.lookup(ids),
      claim: (ids, now, until) =>
        source.claim(this.until.size === 0 ? ids : ids.filter((id) => !this.has(id, now)), now, until),
      suppress: (ids, until) => source.suppress(ids, until),
      isHeldBack: (id, now) => source.isHeldBack(id, now),
      refuse: (ids) => source.refuse(ids),
      release: (ids) => source.release(ids),
    };
  }

  get size(): number {
    return this.until.size;
  }

  clear(): void {
    this.until.clear();
    this.asHeld.clear();
    this.union = undefined;
  }
}
