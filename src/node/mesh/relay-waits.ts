/**
 * Versions a peer pushed us live whose relay waits for our own commit of them to land
 * (docs/architecture.md, "Nothing leaves before it is durable"), by id key, each with the links
 * whose peers have shown meanwhile that they hold it: they sent it to us as well (a duplicate, live
 * or by repair) or announced it (`ihave`). The relay skips those links, as it skips the link the
 * version came by: such pushes were a share of the live payload transmissions per delivery over
 * 2 in docs/benchmarks.md, scenario 8 (its notes give the figures). Plumtree drops a message at a
 * node that has it (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS 2007); this drops
 * it one hop earlier, at the relay, when the relay knows. A peer that announces what it lacks only
 * leaves itself to grafts and reconciliation.
 *
 * Bounded by the versions pending in the sync index (one entry each, taken when its commit settles,
 * landed or failed) times the node's links (a set per entry, made on the first holder).
 */
export class RelayWaits<L> {
  private readonly waiting = new Map<string, Set<L> | null>();

  get size(): number {
    return this.waiting.size;
  }

  /** A version waits for its commit; `holders`: links known to hold it already (its announcers). */
  wait(key: string, holders: readonly L[]): void {
    if (this.waiting.has(key)) {
      for (const l of holders) this.heldBy(key, l);
      return;
    }
    this.waiting.set(key, holders.length === 0 ? null : new Set(holders));
  }

  /** The peer of `link` holds the version of this key (it sent or announced it): noted if it waits. */
  heldBy(key: string, link: L): void {
    const holders = this.waiting.get(key);
    if (holders === undefined) return;
    if (holders === null) this.waiting.set(key, new Set([link]));
    else holders.add(link);
  }

  /** The commit settled: the links known to hold the version (undefined: none), forgotten here. */
  take(key: string): ReadonlySet<L> | undefined {
    const holders = this.waiting.get(key);
    this.waiting.delete(key);
    return holders ?? undefined;
  }
}
