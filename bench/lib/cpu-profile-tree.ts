import { readMappedProfile, type ProfileNode } from './cpu-profile-source';

/**
 * Top-down call tree of a .cpuprofile from the built app, named through the build's source maps
 * (as cpu-profile-mapped.ts), inclusive ms per node, nodes under `minMs` left out; `perUnit` divides
 * each figure into µs per unit (e.g. per write); `maxDepth` stops below that depth (1: the root's children).
 *   node --import tsx bench/lib/cpu-profile-tree.ts <file.cpuprofile> <distDir> [minMs] [perUnit] [maxDepth]
 */
const [file, dist, minArg, unitArg, depthArg] = process.argv.slice(2);
if (file === undefined || dist === undefined)
  throw new Error('usage: cpu-profile-tree <file> <distDir> [minMs] [perUnit]');
const minMs = Number(minArg ?? 10);
const unit = unitArg === undefined || unitArg === '-' ? undefined : Number(unitArg);
const maxDepth = Number(depthArg ?? Infinity);
const { profile, keyOf } = await readMappedProfile(file, dist);
const byId = new Map<number, ProfileNode>();
for (const node of profile.nodes) byId.set(node.id, node);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
/** A merged tree: children of one node with the same key are summed. */
interface T {
  us: number;
  kids: Map<string, T>;
}
function build(ids: number[]): T {
  const t: T = { us: 0, kids: new Map() };
  const groups = new Map<string, number[]>();
  for (const id of ids) {
    t.us += self.get(id) ?? 0;
    for (const c of byId.get(id)!.children ?? []) {
      const k = keyOf.get(c)!;
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
  }
  for (const [k, g] of groups) {
    const sub = build(g);
    t.kids.set(k, sub);
    t.us += sub.us;
  }
  return t;
}
const root = build([profile.nodes[0]!.id]);
function show(t: T, name: string, depth: number): void {
  if (t.us / 1000 < minMs || depth > maxDepth) return;
  const fig =
    unit === undefined ? `${(t.us / 1000).toFixed(0).padStart(6)} ms` : `${(t.us / unit).toFixed(1).padStart(7)} µs`;
  console.log(`${fig} ${'  '.repeat(depth)}${name}`);
  for (const [k, c] of [...t.kids].sort((a, b) => b[1].us - a[1].us)) show(c, k, depth + 1);
}
show(root, '(root)', 0);
