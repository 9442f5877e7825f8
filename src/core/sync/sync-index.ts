import type { Version } from '../merge/version';
import { compareItems, type Item } from '../reconcile/item';
import { SortedVectorStorage } from '../reconcile/sorted-vector-storage';
import { idKey, versionId } from './version-id';

/** Refused ids remembered: enough for a hostile peer's batch or two; the oldest are forgotten first. */
export const MAX_REFUSED = 16_384;
/** Ids set aside (held back) remembered at once; past it the oldest are forgotten (fetched again sooner). */
export const MAX_HELD_BACK = 65_536;
/**
 * Ids claimed at once, over every link (docs/security.md, "Per-link limits"): each link's wants are
 * bounded (MAX_TRACKED_WANTS), but many links and set-aside ids add up. Past it, expired claims are
 * swept, then the oldest claim is forgotten: the worst that costs is asking twice for a version.
 */
export const MAX_CLAIMS = 65_536;

interface Entry {
  readonly item: Item;
  readonly version: Version;
}

/**
 * The node's reconciliation set: one item per stored version (ts = HLC ms, id = versionId), kept
 * in step with the store from the versions it applied and removed, plus id → version for answering
 * `want`s. Reconciliation needs a set that does not change during a session, so storage() hands out
 * an immutable snapshot, rebuilt lazily when something changed since the last one: the previous
 * snapshot's order is reused (sorted run + a short unsorted tail), so a rebuild is near-linear.
 *
 * It also remembers ids "claimed" by a request in flight or recently received without effect
 * (held for clock skew, obsolete), so two sessions do not ask for the same version twice and a
 * held write is not fetched again every round.
 */
export class SyncIndex {
  private readonly entries = new Map<string, Entry>();
  private sorted: Item[] = [];
  private readonly added = new Map<string, Item>();
  private readonly removed = new Set<string>();
  private snapshot: SortedVectorStorage | undefined;
  /** Claimed id → until when, oldest set first (bounded at MAX_CLAIMS). */
  private readonly claims = new Map<string, number>();
  private evicted = 0;
  private sweptAt = Number.NEGATIVE_INFINITY;
  /** Ids set aside (suppress) → until when: not fetched, and not taken from a peer's unasked push. */
  private readonly heldBack = new Map<string, number>();
  /** Ids of versions refused for what they are (see refuse), in insertion order for eviction. */
  private readonly refused = new Set<string>();
  private newestMs = 0;
  /**
   * The id key of each version object indexed, computed once in add(): the mesh's push filter
   * (holds) and remove() look it up instead of hashing the version again.
   */
  private readonly keys = new WeakMap<Version, string>();
  /**
   * Ids a link computed for versions it received (identified), until add() takes them: a received
   * version was hashed twice, by its link and here, ~4 % of a receiving worker's time in a bulk
   * sync (docs/benchmarks.md, scenario 7). Weak: a version never stored takes its entry with it.
   */
  private readonly received = new WeakMap<Version, Uint8Array>();

  constructor(versions: Iterable<Version> = []) {
    this.add(versions);
  }

  get size(): number {
    return this.entries.size;
  }

  /** HLC ms of the newest version ever indexed (0 if none). */
  get newest(): number {
    return this.newestMs;
  }

  add(versions: Iterable<Version>): void {
    for (const v of versions) {
      let id = this.received.get(v);
      if (id === undefined) id = versionId(v);
      else this.received.delete(v);
      const key = idKey(id);
      this.keys.set(v, key);
      if (this.entries.has(key)) continue;
      const item: Item = { ts: v.ts.ms, id };
      this.entries.set(key, { item, version: v });
      if (!this.removed.delete(key)) this.added.set(key, item);
      this.claims.delete(key);
      this.heldBack.delete(key);
      if (v.ts.ms > this.newestMs) this.newestMs = v.ts.ms;
      this.snapshot = undefined;
    }
  }

  identified(versions: readonly Version[], ids: readonly Uint8Array[]): void {
    for (let i = 0; i < versions.length; i++) this.received.set(versions[i]!, ids[i]!);
  }

  remove(versions: Iterable<Version>): void {
    for (const v of versions) {
      const key = this.keyOf(v);
      if (!this.entries.delete(key)) continue;
      if (!this.added.delete(key)) this.removed.add(key);
      this.snapshot = undefined;
    }
  }

  has(id: Uint8Array): boolean {
    return this.entries.has(idKey(id));
  }

  /** Whether this version is indexed (still stored), without hashing it again when add() saw it. */
  holds(v: Version): boolean {
    return this.entries.has(this.keyOf(v));
  }

  private keyOf(v: Version): string {
    return this.keys.get(v) ?? idKey(versionId(v));
  }

  /** The versions with these ids that we still hold (superseded ones are gone). */
  lookup(ids: Iterable<Uint8Array>): Version[] {
    const out: Version[] = [];
    for (const id of ids) {
      const e = this.entries.get(idKey(id));
      if (e !== undefined) out.push(e.version);
    }
    return out;
  }

  /** An immutable sorted snapshot of the set for one reconciliation session. */
  storage(): SortedVectorStorage {
    if (this.snapshot !== undefined) return this.snapshot;
    let base = this.sorted;
    if (this.removed.size > 0) base = base.filter((it) => !this.removed.has(idKey(it.id)));
    const items = this.added.size > 0 ? base.concat([...this.added.values()]) : base.slice();
    // A sorted run plus a short tail: TimSort (V8's sort) merges it in near-linear time.
    items.sort(compareItems);
    const storage = new SortedVectorStorage(items);
    this.sorted = items;
    this.added.clear();
    this.removed.clear();
    this.snapshot = storage;
    return storage;
  }

  /**
   * Claims the ids not already claimed (and not held) until `until`; returns those. The caller then
   * asks for them; a claim ends when the version arrives (add) or when it expires.
   */
  claim(ids: readonly Uint8Array[], now: number, until: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      if (this.refused.has(key)) continue;
      const claimed = this.claims.get(key);
      if (claimed !== undefined && claimed > now) continue;
      this.setClaim(key, until, now);
      out.push(id);
    }
    return out;
  }

  /** Claims forgotten before they ran out because MAX_CLAIMS was reached (the limit's counter). */
  get claimsEvicted(): number {
    return this.evicted;
  }

  /** Sets a claim (latest last), keeping at most MAX_CLAIMS: expired ones go first, then the oldest. */
  private setClaim(key: string, until: number, now: number | undefined): void {
    this.claims.delete(key);
    if (this.claims.size >= MAX_CLAIMS) {
      if (now !== undefined && now > this.sweptAt) {
        this.sweptAt = now;
        for (const [k, u] of this.claims) if (u <= now) this.claims.delete(k);
      }
      while (this.claims.size >= MAX_CLAIMS) {
        this.claims.delete(this.claims.keys().next().value!);
        this.evicted++;
      }
    }
    this.claims.set(key, until);
  }

  /** Keeps these ids claimed until `until` (received but not applied: do not fetch again soon). */
  suppress(ids: readonly Uint8Array[], until: number): void {
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      this.setClaim(key, Math.max(until, this.claims.get(key) ?? 0), undefined);
      const held = Math.max(until, this.heldBack.get(key) ?? 0);
      this.heldBack.delete(key);
      this.heldBack.set(key, held);
      if (this.heldBack.size > MAX_HELD_BACK) this.heldBack.delete(this.heldBack.keys().next().value!);
    }
  }

  /** Whether the id was set aside (suppress) and its hold-back has not run out. */
  isHeldBack(id: Uint8Array, now: number): boolean {
    const until = this.heldBack.get(idKey(id));
    return until !== undefined && until > now;
  }

  /**
   * Never claims these ids again: versions every node refuses for what they are (a context that is
   * not well formed), so fetching them again from the peers that hold them would only cost traffic.
   * At most MAX_REFUSED are remembered; a forgotten one is fetched, refused and remembered again.
   */
  refuse(ids: readonly Uint8Array[]): void {
    for (const id of ids) {
      const key = idKey(id);
      if (this.entries.has(key)) continue;
      this.refused.delete(key);
      this.refused.add(key);
      this.claims.delete(key);
      if (this.refused.size > MAX_REFUSED) this.refused.delete(this.refused.values().next().value!);
    }
  }

  get refusedCount(): number {
    return this.refused.size;
  }

  /** Ends claims (a request that failed): another session may ask again at once. */
  release(ids: Iterable<Uint8Array>): void {
    for (const id of ids) this.claims.delete(idKey(id));
  }

  /** Forgets expired claims (bounded memory). */
  expire(now: number): void {
    for (const [key, until] of this.claims) if (until <= now) this.claims.delete(key);
    for (const [key, until] of this.heldBack) if (until <= now) this.heldBack.delete(key);
  }

  get claimCount(): number {
    return this.claims.size;
  }
}
