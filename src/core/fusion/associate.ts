import { assign } from './hungarian';

/**
 * Global nearest-neighbour association inside one cluster (a connected component of gated pairs).
 * A group is a set of tracks believed to be one object, at most one per sensor. Groups start as
 * the confirmed (already fused) groups; then, sensor by sensor in id order, the sensor's tracks not
 * yet in a group are assigned to the groups that lack that sensor by a minimum-cost assignment, and
 * the ones left over start groups of their own. Sequential assignment is the usual tractable
 * stand-in for the NP-hard multi-dimensional assignment; with two sensors it is exact GNN.
 *
 * The cost of joining a track to a group is its largest squared Mahalanobis distance to a member
 * minus the gate (so every gated assignment pays off and leaving a pair apart costs the gate);
 * a track not gated with every member cannot join. Sides larger than `maxSide` (a pathological
 * cluster: a dense swarm, a gate set far too wide, or a peer's tracks chained on purpose) fall back
 * to greedy by cost over the gated pairs only: no free × open matrix, so a cluster of k tracks costs
 * about its gated pairs (≤ k × the gate's candidate cap) and not k² time and memory every scan.
 */
export interface ClusterInput {
  /** Rows of the scan's table (track-table.ts), ascending. */
  readonly members: readonly number[];
  /** Groups already confirmed, each a list of indices. */
  readonly confirmed: readonly (readonly number[])[];
}

export interface AssociateContext {
  /** Each track's sensor, numbered in sensor id order. */
  readonly sensor: Int32Array;
  /** The squared Mahalanobis distance of a gated pair, undefined when not gated. */
  readonly d2Of: (i: number, j: number) => number | undefined;
  /** The tracks gated with track i. */
  readonly neighbours: (i: number) => ArrayLike<number>;
  readonly gateChi2: number;
  readonly maxSide: number;
}

export interface AssociateOutcome {
  readonly groups: number[][];
  /** Whether the greedy fallback ran. */
  readonly greedy: boolean;
}

export function associate(c: ClusterInput, ctx: AssociateContext): AssociateOutcome {
  const { sensor } = ctx;
  // The common case, an isolated pair: no assignment to solve.
  if (c.members.length === 2) {
    const [i, j] = c.members as [number, number];
    if (c.confirmed.length === 1) return { groups: [[i, j]], greedy: false };
    const d2 = ctx.d2Of(i, j);
    const together = d2 !== undefined && d2 < ctx.gateChi2;
    return { groups: together ? [[i, j]] : [[i], [j]], greedy: false };
  }
  const groups: number[][] = c.confirmed.map((g) => [...g]);
  const inGroup = new Set<number>(groups.flat());
  const sensors = [...new Set(c.members.map((i) => sensor[i]!))].sort((a, b) => a - b);
  let greedy = false;
  for (const s of sensors) {
    const free = c.members.filter((i) => !inGroup.has(i) && sensor[i] === s);
    if (free.length === 0) continue;
    const open = groups.filter((g) => g.every((m) => sensor[m] !== s));
    let choice: number[];
    if (open.length === 0) choice = free.map(() => -1);
    else if (free.length <= ctx.maxSide && open.length <= ctx.maxSide) {
      const cost = free.map((t) => open.map((g) => joinCost(t, g, ctx)));
      choice = optimal(cost).map((g, r) => (g >= 0 && cost[r]![g]! < 0 ? g : -1));
    } else {
      greedy = true;
      choice = sparseGreedy(free, open, ctx);
    }
    free.forEach((t, r) => {
      const g = choice[r]!;
      if (g >= 0) open[g]!.push(t);
      else groups.push([t]);
      inGroup.add(t);
    });
  }
  return { groups, greedy };
}

/** Forbidden pairs cost 0 (no gain), so the optimum never needs them; callers drop them after. */
function optimal(cost: readonly (readonly number[])[]): number[] {
  return assign(cost);
}

/**
 * Greedy by cost over the joins that can pay off: a track can join only a group it is gated with
 * (every member gated), so its candidates are the open groups of its gated neighbours. Returns,
 * per free track, the open group it joins or -1.
 */
function sparseGreedy(free: readonly number[], open: readonly (readonly number[])[], ctx: AssociateContext): number[] {
  const groupOf = new Map<number, number>();
  open.forEach((g, k) => g.forEach((m) => groupOf.set(m, k)));
  const cells: [number, number, number][] = [];
  free.forEach((t, r) => {
    const tried = new Set<number>();
    const nbrs = ctx.neighbours(t);
    for (let k = 0; k < nbrs.length; k++) {
      const g = groupOf.get(nbrs[k]!);
      if (g === undefined || tried.has(g)) continue;
      tried.add(g);
      const v = joinCost(t, open[g]!, ctx);
      if (v < 0) cells.push([v, r, g]);
    }
  });
  cells.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const out = new Array<number>(free.length).fill(-1);
  const taken = new Set<number>();
  for (const [, r, g] of cells) {
    if (out[r]! >= 0 || taken.has(g)) continue;
    out[r] = g;
    taken.add(g);
  }
  return out;
}

function joinCost(t: number, group: readonly number[], ctx: AssociateContext): number {
  let worst = 0;
  for (const m of group) {
    const d2 = ctx.d2Of(t, m);
    if (d2 === undefined) return 0;
    if (d2 > worst) worst = d2;
  }
  return worst - ctx.gateChi2;
}
