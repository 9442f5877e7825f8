import type { SyncSource } from './session-types';
import { idKey } from './version-id';

/** Ids one link's hold-back remembers at once; past it the oldest are forgotten (asked of it again sooner). */
export const MAX_LINK_HELD_BACK = 16_384;

/**
 * The hold-back of one link (VerifyVerdict's `this-link`, docs/security.md, "The hold-back"): ids
 * refused before their signature was checked are not asked of this link again, nor taken when it
 * pushes them, for a while; other links are not affected, so an unverified copy sent by one peer
 * never hides the genuine version coming by another.
 */
export class LinkHoldBack {
  private readonly until = new Map<string, number>();

  hold(ids: readonly Uint8Array[], until: number): void {
    for (const id of ids) {
      const key = idKey(id);
      this.until.delete(key);
      this.until.set(key, until);
      if (this.until.size > MAX_LINK_HELD_BACK) this.until.delete(this.until.keys().next().value!);
    }
  }

  has(id: Uint8Array, now: number): boolean {
    const until = this.until.get(idKey(id));
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(idKey(id));
    return false;
  }

  /** The node's set as this link's rounds see it: what this link is held back for is not claimed. */
  source(source: SyncSource): SyncSource {
    return {
      get size() {
        return source.size;
      },
      get newest() {
        return source.newest;
      },
      storage: () => source.storage(),
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
  }
}
