/** Signals and frames the page mesh dropped, by reason (window.lattice diagnostics and tests). */
export class DropCounters {
  private readonly counts: Record<string, number> = {};

  drop(reason: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
  }

  snapshot(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }
}
