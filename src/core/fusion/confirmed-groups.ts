export interface ConfirmedGroups {
  readonly count: number;
  /**
   * The rows of set g are `members[start[g] .. start[g + 1])`, ascending; the sets are ordered by
   * their first rows. Compressed rows rather than a list per set: a scan has one set per fused
   * track, and building them was one of its largest allocations.
   */
  readonly start: Int32Array;
  readonly members: Int32Array;
  /** Row → its set's index, -1 for a row in none. */
  readonly groupOf: Int32Array;
}

/**
 * Connected sets of confirmed pairs (given i < j, in (i, j) order) over n rows, skipping any pair
 * that would put two tracks of one sensor in one set: association never builds such a set, but a
 * defensive rule that depends only on the order of the pairs keeps the output well defined.
 */
export function confirmedGroups(n: number, sensor: Int32Array, i: Int32Array, j: Int32Array): ConfirmedGroups {
  // Each open set is a linked list of its rows: head[s], then next[row] until -1.
  const slotOf = new Int32Array(n).fill(-1);
  const next = new Int32Array(n);
  const head = new Int32Array(n);
  let slots = 0;
  for (let k = 0; k < i.length; k++) {
    const a = i[k]!;
    const b = j[k]!;
    const sa = slotOf[a]!;
    const sb = slotOf[b]!;
    if (sa < 0 && sb < 0) {
      // Two lone tracks, the usual case.
      if (sensor[a] === sensor[b]) continue;
      slotOf[a] = slotOf[b] = slots;
      head[slots++] = a;
      next[a] = b;
      next[b] = -1;
      continue;
    }
    if (sa === sb) continue;
    if (sharesSensor(sa < 0 ? a : head[sa]!, sb < 0 ? b : head[sb]!, sensor, next, sa < 0, sb < 0)) continue;
    // Join b's set (or b) to a's (or a), keeping a's slot when it has one.
    const into = sa >= 0 ? sa : sb;
    const from = sa >= 0 ? sb : sa;
    const first = from < 0 ? (sa >= 0 ? b : a) : head[from]!;
    let last = first;
    for (let x = first; x >= 0; x = from < 0 ? -1 : next[x]!) {
      slotOf[x] = into;
      last = x;
    }
    next[last] = head[into]!;
    head[into] = first;
  }
  // Sets in the order of their first rows: number them as the rows are visited, then count-sort.
  const groupOf = new Int32Array(n).fill(-1);
  const groupOfSlot = new Int32Array(slots).fill(-1);
  const start = new Int32Array(slots + 1);
  let count = 0;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const s = slotOf[r]!;
    if (s < 0) continue;
    if (groupOfSlot[s]! < 0) groupOfSlot[s] = count++;
    const g = groupOfSlot[s]!;
    groupOf[r] = g;
    start[g + 1]!++;
    total++;
  }
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, count);
  const members = new Int32Array(total);
  for (let r = 0; r < n; r++) if (groupOf[r]! >= 0) members[fill[groupOf[r]!]!++] = r;
  return { count, start: start.subarray(0, count + 1), members, groupOf };
}

/** Whether two sets (given by their first rows; a lone row when `alone`) have a sensor in common. */
function sharesSensor(
  x0: number,
  y0: number,
  sensor: Int32Array,
  next: Int32Array,
  xAlone: boolean,
  yAlone: boolean,
): boolean {
  for (let x = x0; x >= 0; x = xAlone ? -1 : next[x]!) {
    for (let y = y0; y >= 0; y = yAlone ? -1 : next[y]!) if (sensor[x] === sensor[y]) return true;
  }
  return false;
}

/** The rows of set g, as a list. */
export function groupRows(c: ConfirmedGroups, g: number): number[] {
  const rows: number[] = [];
  for (let x = c.start[g]!; x < c.start[g + 1]!; x++) rows.push(c.members[x]!);
  return rows;
}
