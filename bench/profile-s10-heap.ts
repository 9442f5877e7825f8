/**
 * Where a running node's bytes go (scenario 10, docs/performance.md): builds the node of
 * bench/s10-memory.ts (variant `node`) for N entities × 6 components, takes a V8 heap snapshot and
 * prints, per owner, the bytes it retains (dominator tree: what would be freed with it, typed
 * arrays' backing stores included) divided by the components. The owners are the LatticeNode, its
 * EntityStore, the MeshNode and its SyncIndex, and each field of the SyncIndex and of the objects it
 * holds (its id table, its snapshot).
 * Run: node --expose-gc --max-old-space-size=6144 --import tsx bench/profile-s10-heap.ts [N]
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { encodeVersions } from '../src/core/wire';
import { gc } from './lib/measure';
import { runningNode, s10Data } from './lib/s10-node';
import { BATCH } from './lib/workload';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const n = Number(process.argv[2] ?? 10_000);
const components = n * 6;
let keep: unknown;
{
  const versions = s10Data(n);
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < versions.length; i += BATCH) bytes.push(encodeVersions(versions.slice(i, i + BATCH)));
  keep = await runningNode(bytes);
}
gc();
gc();
const file = writeHeapSnapshot(join(tmpdir(), `s10-${process.pid}.heapsnapshot`));
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
rmSync(file);
if (keep === undefined) throw new Error('nothing built');

const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const fType = meta.node_fields.indexOf('type');
const fName = meta.node_fields.indexOf('name');
const fSize = meta.node_fields.indexOf('self_size');
const fEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const weak = edgeTypes.indexOf('weak');
const shortcut = edgeTypes.indexOf('shortcut');
const named = new Set(['context', 'property', 'internal', 'shortcut'].map((t) => edgeTypes.indexOf(t)));
const nodes = snap.nodes;
const edges = snap.edges;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + fEdges]! * EF;
}
firstEdge[count] = edges.length;
const strong = (e: number): boolean => edges[e + eType] !== weak && edges[e + eType] !== shortcut;

// Dominators (Cooper, Harvey, Kennedy: "A Simple, Fast Dominance Algorithm"), over strong edges from the root.
const order = new Int32Array(count).fill(-1); // postorder number
const post: number[] = [];
{
  const stack: number[] = [0];
  const next = new Uint32Array(count);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  for (let i = 0; i < count; i++) next[i] = firstEdge[i]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (next[v]! < firstEdge[v + 1]!) {
      const e = next[v]!;
      next[v] = e + EF;
      if (!strong(e)) continue;
      const w = edges[e + eTo]! / NF;
      if (seen[w] === 1) continue;
      seen[w] = 1;
      stack.push(w);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
}
// Predecessors over strong edges, reachable nodes only.
const predCount = new Uint32Array(count + 1);
for (let v = 0; v < count; v++) {
  if (order[v] === -1) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (strong(e)) predCount[edges[e + eTo]! / NF]!++;
}
const predStart = new Uint32Array(count + 1);
for (let v = 0; v < count; v++) predStart[v + 1] = predStart[v]! + predCount[v]!;
const preds = new Uint32Array(predStart[count]!);
const fill = predStart.slice();
for (let v = 0; v < count; v++) {
  if (order[v] === -1) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
    if (strong(e)) preds[fill[edges[e + eTo]! / NF]!++] = v;
  }
}
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
for (let changed = true; changed;) {
  changed = false;
  for (let k = post.length - 2; k >= 0; k--) {
    const v = post[k]!;
    let d = -1;
    for (let p = predStart[v]!; p < predStart[v + 1]!; p++) {
      let u = preds[p]!;
      if (idom[u] === -1) continue;
      if (d === -1) {
        d = u;
        continue;
      }
      while (u !== d) {
        while (order[u]! < order[d]!) u = idom[u]!;
        while (order[d]! < order[u]!) d = idom[d]!;
      }
    }
    if (d !== -1 && idom[v] !== d) {
      idom[v] = d;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
for (const v of post) retained[v]! += nodes[v * NF + fSize]!;
for (const v of post) if (v !== 0) retained[idom[v]!]! += retained[v]!;

const nameOf = (v: number): string => snap.strings[nodes[v * NF + fName]!]!;
const typeOf = (v: number): string => nodeTypes[nodes[v * NF + fType]!]!;
const per = (bytes: number): string => `${(bytes / components).toFixed(1).padStart(6)} B`;
/** The object's own fields (named edges), each with what it retains (two fields holding one object each show it). */
function fields(v: number): [string, number][] {
  const out: [string, number][] = [];
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
    if (!named.has(edges[e + eType]!) || !strong(e)) continue;
    const w = edges[e + eTo]! / NF;
    if (idom[w] !== v) continue;
    out.push([snap.strings[edges[e + eName]!]!, retained[w]!]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}
function objects(name: string): number[] {
  const out: number[] = [];
  for (let v = 0; v < count; v++) if (typeOf(v) === 'object' && nameOf(v) === name && order[v] !== -1) out.push(v);
  return out;
}
function show(name: string, indent = ''): void {
  for (const v of objects(name)) {
    console.log(`${indent}${name}: ${per(retained[v]!)} per component`);
    for (const [f, bytes] of fields(v)) {
      if (bytes / components < 0.5) continue;
      console.log(`${indent}  .${f}: ${per(bytes)}`);
    }
  }
}

console.log(`s10 heap snapshot, running node, ${n} entities × 6 = ${components} components`);
let total = 0;
for (const v of objects('LatticeNode').concat(objects('MeshNode'))) total += retained[v]!;
console.log(
  `LatticeNode + MeshNode retain ${per(total)} per component (shared objects counted once, under their dominator)`,
);
for (const owner of [
  'LatticeNode',
  'EntityStore',
  'LeanColumns',
  'MeshNode',
  'SyncIndex',
  'IdTable',
  'SlotVectorStorage',
  'C2Pipeline',
  'TrackClassifier',
  'FusionView',
]) {
  show(owner);
}

// The largest objects by what they retain, whose dominator retains more than one component's worth beyond them.
const top: number[] = [];
for (let v = 1; v < count; v++) {
  if (order[v] === -1 || retained[v]! / components < 2) continue;
  const d = idom[v]!;
  if (d !== 0 && retained[d]! - retained[v]! < components * 0.5 && typeOf(d) !== 'synthetic') continue;
  top.push(v);
}
top.sort((a, b) => retained[b]! - retained[a]!);
/** The name of `d`'s field that holds `v`, if one does (` .name`), else ''. */
function via(d: number, v: number): string {
  for (let e = firstEdge[d]!; e < firstEdge[d + 1]!; e += EF) {
    if (edges[e + eTo]! / NF !== v || !strong(e)) continue;
    return named.has(edges[e + eType]!) ? ` .${snap.strings[edges[e + eName]!]!}` : ` [${edges[e + eName]!}]`;
  }
  return '';
}
console.log('largest owners (object, what holds it):');
for (const v of top.slice(0, 40)) {
  const d = idom[v]!;
  console.log(
    `  ${per(retained[v]!)}  ${typeOf(v)} ${nameOf(v).slice(0, 40)}  ← ${typeOf(d)} ${nameOf(d).slice(0, 40)}${via(d, v)}`,
  );
}

// Self sizes by kind of object (constructor name, or type for strings, arrays, code), of the objects
// the running node dominates (what the bench keeps: {node, mesh}): how many and how large.
const kept = idom[objects('MeshNode')[0]!]!;
const under = (v: number): boolean => {
  for (let u = v; u !== 0; u = idom[u]!) if (u === kept) return true;
  return false;
};
const byKind = new Map<string, { count: number; bytes: number }>();
for (let v = 1; v < count; v++) {
  if (order[v] === -1 || !under(v)) continue;
  const t = typeOf(v);
  const key = t === 'object' || t === 'closure' ? `${t} ${nameOf(v).slice(0, 40)}` : t;
  const k = byKind.get(key) ?? { count: 0, bytes: 0 };
  k.count++;
  k.bytes += nodes[v * NF + fSize]!;
  byKind.set(key, k);
}
console.log('self size by kind of object (count, bytes each, per component):');
for (const [key, k] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25)) {
  console.log(
    `  ${per(k.bytes)}  ${String(k.count).padStart(8)} × ${(k.bytes / k.count).toFixed(0).padStart(6)} B  ${key}`,
  );
}

// The large single objects the node holds (over a tenth of a byte per component), with their path from it.
const pathOf = (v: number): string => {
  const parts: string[] = [];
  for (let u = v; u !== kept && u !== 0; u = idom[u]!)
    parts.push(`${nameOf(u).slice(0, 24) || typeOf(u)}${via(idom[u]!, u)}`);
  return parts.reverse().join(' › ');
};
console.log('large objects the node holds (self size per component, path):');
const large: number[] = [];
for (let v = 1; v < count; v++) {
  if (order[v] !== -1 && nodes[v * NF + fSize]! > components * 0.1 && under(v)) large.push(v);
}
large.sort((a, b) => nodes[b * NF + fSize]! - nodes[a * NF + fSize]!);
for (const v of large) console.log(`  ${per(nodes[v * NF + fSize]!)}  ${typeOf(v)}  ${pathOf(v)}`);
