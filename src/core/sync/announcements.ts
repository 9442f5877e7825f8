import { idKey } from './version-id';

/** Most announced-but-missing ids remembered (a peer cannot fill our memory with `ihave`s). */
const MAX_PENDING = 65_536;

/**
 * Ids announced by `ihave` that we do not hold yet, with who announced them first and when.
 * If the version has not arrived by another path after a short wait, the host grafts it from the
 * announcer (Plumtree's missing-message timer, one per id, checked on tick: no timers).
 */
export class Announcements<P> {
  private readonly pending = new Map<string, { readonly id: Uint8Array; readonly from: P; readonly at: number }>();

  get size(): number {
    return this.pending.size;
  }

  note(ids: readonly Uint8Array[], from: P, now: number, known: (id: Uint8Array) => boolean): void {
    for (const id of ids) {
      if (this.pending.size >= MAX_PENDING) return;
      const key = idKey(id);
      if (this.pending.has(key) || known(id)) continue;
      this.pending.set(key, { id: id.slice(), from, at: now });
    }
  }

  /** Removes and returns, by announcer, the ids announced at least `waitMs` ago that are still unknown. */
  due(now: number, waitMs: number, known: (id: Uint8Array) => boolean): Map<P, Uint8Array[]> {
    const out = new Map<P, Uint8Array[]>();
    for (const [key, e] of this.pending) {
      if (known(e.id)) {
        this.pending.delete(key);
        continue;
      }
      if (now - e.at < waitMs) continue;
      this.pending.delete(key);
      const list = out.get(e.from) ?? [];
      list.push(e.id);
      out.set(e.from, list);
    }
    return out;
  }

  /** The announcer went away: forget what it announced (anti-entropy finds it elsewhere). */
  forget(from: P): void {
    for (const [key, e] of this.pending) if (e.from === from) this.pending.delete(key);
  }
}
