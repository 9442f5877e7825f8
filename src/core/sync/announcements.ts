import { MAX_ANNOUNCED_PER_PEER } from './limits';
import { idKey } from './version-id';

/** Most announced-but-missing ids remembered (a peer cannot fill our memory with `ihave`s). */
export const MAX_PENDING = 65_536;

/**
 * Ids announced by `ihave` that we do not hold yet, with who announced them first and when.
 * If the version has not arrived by another path after a short wait, the host grafts it from the
 * announcer (Plumtree's missing-message timer, one per id, checked on tick: no timers).
 */
export class Announcements<P> {
  private readonly pending = new Map<
    string,
    { readonly id: Uint8Array; readonly from: P; readonly at: number; also?: P[] }
  >();
  /** Pending ids per announcer: each may hold at most MAX_ANNOUNCED_PER_PEER of the table. */
  private readonly shares = new Map<P, number>();

  get size(): number {
    return this.pending.size;
  }

  /** Ids announced by `from` still pending. */
  shareOf(from: P): number {
    return this.shares.get(from) ?? 0;
  }

  /**
   * Remembers announced ids we lack; returns how many were refused because the announcer holds
   * its whole share (or the table is full): anti-entropy brings those versions instead.
   */
  note(ids: readonly Uint8Array[], from: P, now: number, known: (id: Uint8Array) => boolean): number {
    let share = this.shareOf(from);
    let refused = 0;
    for (const id of ids) {
      const key = idKey(id);
      const e = this.pending.get(key);
      if (e !== undefined) {
        // Another announcer of an id pending: remembered (one slot per announcer, not a share).
        if (e.from !== from && e.also?.includes(from) !== true) (e.also ??= []).push(from);
        continue;
      }
      if (known(id)) continue;
      if (share >= MAX_ANNOUNCED_PER_PEER || this.pending.size >= MAX_PENDING) {
        refused += 1;
        continue;
      }
      this.pending.set(key, { id: id.slice(), from, at: now });
      share += 1;
    }
    this.shares.set(from, share);
    return refused;
  }

  /**
   * Who announced the id of this key while it was pending (the first announcer first), or none: a
   * relay does not push a version to a peer that announced it (MeshNode.whenDurable).
   */
  announcers(key: string): readonly P[] {
    const e = this.pending.get(key);
    if (e === undefined) return [];
    return e.also === undefined ? [e.from] : [e.from, ...e.also];
  }

  /** Removes and returns, by announcer, the ids announced at least `waitMs` ago that are still unknown. */
  due(now: number, waitMs: number, known: (id: Uint8Array) => boolean): Map<P, Uint8Array[]> {
    const out = new Map<P, Uint8Array[]>();
    for (const [key, e] of this.pending) {
      if (known(e.id)) {
        this.remove(key, e.from);
        continue;
      }
      if (now - e.at < waitMs) continue;
      this.remove(key, e.from);
      const list = out.get(e.from) ?? [];
      list.push(e.id);
      out.set(e.from, list);
    }
    return out;
  }

  /**
   * The announcer went away: forget it. An id it announced first passes to the next announcer that
   * has room in its share (the slot becomes that one's, counted in its share, the wait unchanged), so
   * the graft still has someone to ask; with none, the id is dropped (anti-entropy finds it elsewhere).
   */
  forget(from: P): void {
    for (const [key, e] of this.pending) {
      if (e.from !== from) {
        if (e.also?.includes(from) === true) e.also = e.also.filter((p) => p !== from);
        continue;
      }
      const others = e.also?.filter((p) => p !== from) ?? [];
      const heir = others.findIndex((p) => this.shareOf(p) < MAX_ANNOUNCED_PER_PEER);
      if (heir < 0) {
        this.pending.delete(key);
        continue;
      }
      const next = others[heir]!;
      others.splice(heir, 1);
      this.pending.set(key, { id: e.id, from: next, at: e.at, ...(others.length > 0 ? { also: others } : {}) });
      this.shares.set(next, this.shareOf(next) + 1);
    }
    this.shares.delete(from);
  }

  private remove(key: string, from: P): void {
    this.pending.delete(key);
    const share = (this.shares.get(from) ?? 1) - 1;
    if (share > 0) this.shares.set(from, share);
    else this.shares.delete(from);
  }
}
