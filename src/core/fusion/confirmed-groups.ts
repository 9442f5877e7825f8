export interface ConfirmedGroups {
  /** Each set's rows ascending; the sets ordered by their first row. */
  readonly groups: number[][];
  /** Row → its set's index in `groups`, -1 for a row in none. */
  readonly groupOf: Int32Array;
}

/**
 * Connected sets of confirmed pairs (given i < j, in (i, j) order) over n rows, skipping any pair
 * that would put two tracks of one sensor in one set: association never builds such a set, but a
 * defensive rule that depends only on the order of the pairs keeps the output well defined.
 */
export function confirmedGroups(n: number, sensor: Int32Array, i: Int32Array, j: Int32Array): ConfirmedGroups {
  const slotOf = new Int32Array(n).fill(-1);
  const slots: (number[] | undefined)[] = [];
  for (let k = 0; k < i.length; k++) {
    const a = i[k]!;
    const b = j[k]!;
    const sa = slotOf[a]!;
    const sb = slotOf[b]!;
    if (sa < 0 && sb < 0) {
      // Two lone tracks, the usual case.
      if (sensor[a] === sensor[b]) continue;
      slotOf[a] = slotOf[b] = slots.length;
      slots.push([a, b]);
      continue;
    }
    if (sa === sb) continue;
    const gi = sa < 0 ? [a] : slots[sa]!;
    const gj = sb < 0 ? [b] : slots[sb]!;
    if (gj.some((x) => gi.some((y) => sensor[x] === sensor[y]))) continue;
    const merged = [...gi, ...gj].sort((x, y) => x - y);
    for (const x of merged) slotOf[x] = slots.length;
    slots.push(merged);
    if (sa >= 0) slots[sa] = undefined;
    if (sb >= 0) slots[sb] = undefined;
  }
  // Sets in the order of their first rows: visit the rows in order, no sort.
  const groups: number[][] = [];
  const groupOf = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) {
    const s = slotOf[r]!;
    if (s < 0) continue;
    const g = slots[s]!;
    if (g[0] === r) {
      for (const x of g) groupOf[x] = groups.length;
      groups.push(g);
    }
  }
  return { groups, groupOf };
}
