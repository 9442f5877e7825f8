import type KDBush from 'kdbush';

/**
 * `KDBush.range` writing into a buffer: the ids in the box [minX, maxX] × [minY, maxY] are
 * appended to `out` from `out.length` on, in the order `range` returns them (the same traversal).
 * `range` returns a new array per query, which at one query per track per scan was the gate's
 * largest allocation; this reads the index's public `ids`, `coords` and `nodeSize` instead.
 */
export class IdBuffer {
  ids = new Int32Array(256);
  length = 0;

  push(id: number): void {
    if (this.length === this.ids.length) {
      const grown = new Int32Array(2 * this.ids.length);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.length++] = id;
  }
}

/** Explicit stack of (left, right, axis) frames, 3 per level of the tree: ample for 2³² items. */
const stack = new Int32Array(96);

/**
 * `box`: [minX, minY, maxX, maxY]. Stops as soon as `out` holds more than `limit` ids and returns
 * false then (the caller drops the query), so a box over a pile costs about `limit` ids, not the pile.
 */
export function rangeInto(index: KDBush, box: Float64Array, out: IdBuffer, limit = Infinity): boolean {
  const minX = box[0]!;
  const minY = box[1]!;
  const maxX = box[2]!;
  const maxY = box[3]!;
  const { ids, coords, nodeSize } = index;
  stack[0] = 0;
  stack[1] = ids.length - 1;
  stack[2] = 0;
  let sp = 3;
  while (sp > 0) {
    const axis = stack[--sp]!;
    const right = stack[--sp]!;
    const left = stack[--sp]!;
    if (right - left <= nodeSize) {
      for (let i = left; i <= right; i++) {
        const x = coords[2 * i]!;
        const y = coords[2 * i + 1]!;
        if (x >= minX && x <= maxX && y >= minY && y <= maxY) {
          out.push(ids[i]!);
          if (out.length > limit) return false;
        }
      }
      continue;
    }
    const m = (left + right) >> 1;
    const x = coords[2 * m]!;
    const y = coords[2 * m + 1]!;
    if (x >= minX && x <= maxX && y >= minY && y <= maxY) {
      out.push(ids[m]!);
      if (out.length > limit) return false;
    }
    if (axis === 0 ? minX <= x : minY <= y) {
      stack[sp++] = left;
      stack[sp++] = m - 1;
      stack[sp++] = 1 - axis;
    }
    if (axis === 0 ? maxX >= x : maxY >= y) {
      stack[sp++] = m + 1;
      stack[sp++] = right;
      stack[sp++] = 1 - axis;
    }
  }
  return true;
}
