import type { LinkTable } from './link-table';

/**
 * How many links this node takes: it seeks `targetLinks` by itself, and between that and
 * `maxLinks` takes only nodes that are short of links, so that newcomers always find room
 * (gossipsub's D / D_hi idea). Pairing attempts not yet bound to a peer count too.
 */
export class Admission {
  /** Connection attempts outside any link yet (a pairing offer waiting for its answer). */
  pendingOutside = 0;

  constructor(
    private readonly table: LinkTable,
    readonly maxLinks: number,
    readonly targetLinks: number,
  ) {}

  /** Links open or opening, and pairing attempts. */
  used(): number {
    return this.table.activeCount() + this.pendingOutside;
  }

  hasCapacity(): boolean {
    return this.used() < this.maxLinks;
  }

  /** Below our target we take anyone; above it, only a peer that has fewer than the target. */
  wantsLink(theirLinks: number): boolean {
    const ours = this.used();
    return ours < this.targetLinks || (ours < this.maxLinks && theirLinks < this.targetLinks);
  }

  /** We are below the target: keep announcing ourselves. */
  seeking(): boolean {
    return this.table.activeCount() < this.targetLinks;
  }
}
