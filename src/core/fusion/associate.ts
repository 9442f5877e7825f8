import { assign } from './hungarian';

/**
 * Global nearest-neighbour association inside one cluster (a connected component of gated pairs).
 * A group is a set of tracks believed to be one object, at most one per sensor. Groups start as
 * the confirmed (already fused) groups; then, sensor by sensor (roundOrder), the sensor's tracks not
 * yet in a group are assigned to the groups that lack that sensor by a minimum-cost assignment, and
 * the ones left over start groups of their own. Sequential assignment is the usual tractable
 * stand-in for the NP-hard multi-dimensional assignment; with two sensors it is exact GNN.
 *
 * The cost of joining a track to a group is a negative log-likelihood (gate.ts, pairCost: every
 * gated pair pays off, a vague one less than a precise one) of its largest d² to a member and the
 * ln det of its pair with the group's most precise member (which dominates the group's estimate);
 * a track not gated with every member cannot join. The rounds go in roundOrder (below). Sides larger than `maxSide` (a pathological
 * cluster: a dense swarm, a gate set far too wide, or a peer's tracks chained on purpose) fall back
 * to greedy by cost over the gated pairs only: no free × open matrix, so a cluster of k tracks costs
 * about its gated pairs (≤ k × the gate's candidate cap) and not k² time and memory every scan.
 * The same greedy takes over once the scan's budget of solver steps is spent (`budget`): each
 * cluster is bounded by maxSide³, and the budget bounds their sum, which a peer could otherwise
 * multiply by laying out many clusters of the largest optimal side.
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
  /** Their squared Mahalanobis distances to i, in the same order. */
  readonly neighbourD2: (i: number) => ArrayLike<number>;
  /** ln det(Pa + Pb) of i with each of them, in the same order. */
  readonly neighbourLnDet: (i: number) => ArrayLike<number>;
  /** ln det(Pa + Pb) of a gated pair, undefined when not gated. */
  readonly lnDetOf: (i: number, j: number) => number | undefined;
  /** A gated pair's association cost from its d² and ln det (gate.ts, pairCost): negative. */
  readonly cost: (d2: number, lnDet: number) => number;
  readonly gateChi2: number;
  readonly maxSide: number;
  /**
   * What the scan may still spend on optimal assignments, in solver steps (rows² × columns of
   * each matrix solved): shared by every cluster of one scan, taken in cluster order (deterministic,
   * the rows are in id order), so the same tracks give the same choices on every node.
   */
  readonly budget: { left: number };
}

export interface AssociateOutcome {
  readonly groups: number[][];
  /** Whether the greedy fallback ran. */
  readonly greedy: boolean;
  /** Solver steps the optimal assignments took (rows² × columns per matrix). */
  readonly work: number;
}

export function associate(c: ClusterInput, ctx: AssociateContext): AssociateOutcome {
  const { sensor } = ctx;
  // The common case, an isolated pair: no assignment to solve.
  if (c.members.length === 2) {
    const [i, j] = c.members as [number, number];
    if (c.confirmed.length === 1) return { groups: [[i, j]], greedy: false, work: 0 };
    const d2 = ctx.d2Of(i, j);
    const together = d2 !== undefined && d2 < ctx.gateChi2;
    return { groups: together ? [[i, j]] : [[i], [j]], greedy: false, work: 0 };
  }
  const groups: number[][] = c.confirmed.map((g) => [...g]);
  const inGroup = new Set<number>(groups.flat());
  const sensors = roundOrder(c.members, ctx);
  let greedy = false;
  let work = 0;
  for (const s of sensors) {
    const free = c.members.filter((i) => !inGroup.has(i) && sensor[i] === s);
    if (free.length === 0) continue;
    const open = groups.filter((g) => g.every((m) => sensor[m] !== s));
    let choice: number[];
    if (open.length === 0) choice = free.map(() => -1);
    else if (
      free.length <= ctx.maxSide &&
      open.length <= ctx.maxSide &&
      solverSteps(free.length, open.length) <= ctx.budget.left
    ) {
      const steps = solverSteps(free.length, open.length);
      ctx.budget.left -= steps;
      work += steps;
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
  return { groups, greedy, work };
}

/** The Hungarian method's steps on a rows × columns matrix: (the smaller side)² × the larger. */
export const solverSteps = (rows: number, cols: number): number => Math.min(rows, cols) ** 2 * Math.max(rows, cols);

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
  const cv: number[] = [];
  const cr: number[] = [];
  const cg: number[] = [];
  free.forEach((t, r) => {
    const nbrs = ctx.neighbours(t);
    const nbrD2 = ctx.neighbourD2(t);
    const nbrLnDet = ctx.neighbourLnDet(t);
    // Where each neighbour sits in t's list, for groups of more than one member: built only if one comes up.
    let d2: Map<number, number> | undefined;
    for (let k = 0; k < nbrs.length; k++) {
      const m = nbrs[k]!;
      const g = groupOf.get(m);
      if (g === undefined) continue;
      const group = open[g]!;
      // Every member must be gated with t, the first one too: the group is costed once, from it.
      if (group[0] !== m) continue;
      let worst = nbrD2[k]!;
      let sharpest = nbrLnDet[k]!;
      if (group.length > 1) {
        d2 ??= new Map(Array.from(nbrs, (x, y) => [x, y]));
        for (const other of group) {
          const y = d2.get(other);
          if (y === undefined) {
            worst = Infinity;
            break;
          }
          worst = Math.max(worst, nbrD2[y]!);
          sharpest = Math.min(sharpest, nbrLnDet[y]!);
        }
      }
      const v = ctx.cost(worst, sharpest);
      if (v < 0) {
        cv.push(v);
        cr.push(r);
        cg.push(g);
      }
    }
  });
  const order = Array.from(cv, (_, k) => k).sort((x, y) => cv[x]! - cv[y]! || cr[x]! - cr[y]! || cg[x]! - cg[y]!);
  const out = new Array<number>(free.length).fill(-1);
  const taken = new Uint8Array(open.length);
  for (const k of order) {
    const r = cr[k]!;
    const g = cg[k]!;
    if (out[r]! >= 0 || taken[g]) continue;
    out[r] = g;
    taken[g] = 1;
  }
  return out;
}

function joinCost(t: number, group: readonly number[], ctx: AssociateContext): number {
  let worst = 0;
  let sharpest = Infinity;
  for (const m of group) {
    const d2 = ctx.d2Of(t, m);
    if (d2 === undefined) return 0;
    worst = Math.max(worst, d2);
    sharpest = Math.min(sharpest, ctx.lnDetOf(t, m)!);
  }
  return Math.min(ctx.cost(worst, sharpest), 0);
}

/**
 * The order of the per-sensor rounds: by each sensor's best (least) pair cost in the cluster, then
 * by sensor number. Sensor ids are free text, so ordering by id let a third sensor named to sort
 * first take the EO into a group the radar could not join; to go first now a sensor needs a track
 * both close to and as precise as a partner (the cost is a likelihood, gate.ts pairCost).
 */
function roundOrder(members: readonly number[], ctx: AssociateContext): number[] {
  const best = new Map<number, number>();
  for (const i of members) {
    const s = ctx.sensor[i]!;
    const d2 = ctx.neighbourD2(i);
    const ld = ctx.neighbourLnDet(i);
    let b = best.get(s) ?? Infinity;
    for (let k = 0; k < d2.length; k++) b = Math.min(b, ctx.cost(d2[k]!, ld[k]!));
    best.set(s, b);
  }
  return [...best.keys()].sort((a, b) => best.get(a)! - best.get(b)! || a - b);
}
