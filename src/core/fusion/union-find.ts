/** Disjoint sets over 0..n-1 (path halving, union by size): the connected components of gated pairs. */
export class UnionFind {
  /**
   * One kept for the life of the class (a scan makes one and drops it): with none alive at a full
   * GC, V8 dropped the class's hidden class and deoptimized the code built on it (reason "weak
   * objects": find, the scan's clustering), as docs/benchmarks.md, scenario 1, "Decoder after a
   * full GC" tells of the decoder.
   */
  static readonly shapeKeeper: UnionFind = new UnionFind(0);

  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.size = new Int32Array(n).fill(1);
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb]!;
  }
}
