/**
 * What building scenario 10's running node adds to the heap, node's and process's apart
 * (docs/performance.md, scenario 10): a heap snapshot before building it (the input built, as in
 * bench/s10-memory.ts) and one after, in one process; each object of the second that the first did
 * not hold is counted under the node if the node dominates it (NODE › its path below the node), else
 * under the process (PROC: compiled code, module-level tables and caches, the runtime's own), by the
 * old object it hangs from. The first line gives the bench's own figure for this process.
 * Run: node --expose-gc --max-old-space-size=6144 --import tsx bench/profile-s10-diff.ts [N] [warm]
 * (warm: a 1k node built and dropped first, as variant `node-warm`). Env: TOP=rows, DEPTH=path
 * depth under the node, NOCODE=1 (code in one row), STR=1 (strings by their holders), AB=1 (new
 * ArrayBuffers by their holders).
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { encodeVersions } from '../src/core/wire';
import { gc } from './lib/measure';
import { runningNode, s10Data } from './lib/s10-node';
import { BATCH } from './lib/workload';

interface Snap {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const n = Number(process.argv[2] ?? 10_000);
const warm = process.argv[3] === 'warm';
const components = n * 6;
function take(): Snap {
  gc();
  gc();
  const f = writeHeapSnapshot(join(tmpdir(), `d-${process.pid}-${Math.random()}.heapsnapshot`));
  const s = JSON.parse(readFileSync(f, 'utf8')) as Snap;
  rmSync(f);
  return s;
}
const versions = s10Data(n);
const bytes: Uint8Array[] = [];
for (let i = 0; i < versions.length; i += BATCH) bytes.push(encodeVersions(versions.slice(i, i + BATCH)));
if (warm) {
  const w = s10Data(1000);
  const wb: Uint8Array[] = [];
  for (let i = 0; i < w.length; i += BATCH) wb.push(encodeVersions(w.slice(i, i + BATCH)));
  await runningNode(wb);
}
let oldIds: Float64Array;
let NF0 = 0;
{
  const s0 = take();
  NF0 = s0.snapshot.meta.node_fields.length;
  const f = s0.snapshot.meta.node_fields.indexOf('id');
  oldIds = new Float64Array(s0.nodes.length / NF0);
  for (let i = 0, j = 0; i < s0.nodes.length; i += NF0, j++) oldIds[j] = s0.nodes[i + f]!;
  oldIds.sort();
}
gc();
gc();
const m0 = process.memoryUsage();
const keep = await runningNode(bytes);
gc();
gc();
const m1 = process.memoryUsage();
const s1 = take();
(globalThis as { keep?: unknown }).keep = keep;
console.log(
  `bench figure: heap ${((m1.heapUsed - m0.heapUsed) / 1e6).toFixed(3)} MB + external ${((m1.external - m0.external) / 1e6).toFixed(3)} MB = ${((m1.heapUsed - m0.heapUsed + m1.external - m0.external) / components).toFixed(1)} B/component`,
);
const meta = s1.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const fId = meta.node_fields.indexOf('id');
const fType = meta.node_fields.indexOf('type');
const fName = meta.node_fields.indexOf('name');
const fSize = meta.node_fields.indexOf('self_size');
const fEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const has = (id: number): boolean => {
  let lo = 0;
  let hi = oldIds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (oldIds[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < oldIds.length && oldIds[lo] === id;
};
const nodes = s1.nodes;
const edges = s1.edges;
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + fEdges]! * EF;
}
firstEdge[count] = edges.length;
const weak = edgeTypes.indexOf('weak');
const shortcut = edgeTypes.indexOf('shortcut');
const named = new Set(['context', 'property', 'internal', 'shortcut'].map((t) => edgeTypes.indexOf(t)));
const strong = (e: number): boolean => edges[e + eType] !== weak && edges[e + eType] !== shortcut;
const order = new Int32Array(count).fill(-1);
const post: number[] = [];
{
  const stack = [0];
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
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) if (strong(e)) preds[fill[edges[e + eTo]! / NF]!++] = v;
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
const nameOf = (v: number): string => s1.strings[nodes[v * NF + fName]!]!;
const typeOf = (v: number): string => nodeTypes[nodes[v * NF + fType]!]!;
const isNew = (v: number): boolean => !has(nodes[v * NF + fId]!);
const via = (d: number, v: number): string => {
  for (let e = firstEdge[d]!; e < firstEdge[d + 1]!; e += EF) {
    if (edges[e + eTo]! / NF !== v || !strong(e)) continue;
    return named.has(edges[e + eType]!) ? `.${s1.strings[edges[e + eName]!]!}` : `[${edges[e + eName]!}]`;
  }
  return '';
};
// the keep object
let keepNode = -1;
for (let v = 0; v < count; v++) if (typeOf(v) === 'object' && nameOf(v) === 'MeshNode') keepNode = idom[v]!;
const label = (v: number): string => `${typeOf(v)} ${nameOf(v).slice(0, 50).replace(/\s+/g, ' ')}`;
// Attribute each new node's self size: under keep → 'node: <path of up to 3 below keep>'; else the
// highest new ancestor below an old one → grouped by (old dominator label + edge + new node label).
const groups = new Map<string, number>();
let newTotal = 0;
let nodeTotal = 0;
const depthBelowKeep = Number(process.env.DEPTH ?? 2);
for (let v = 1; v < count; v++) {
  if (order[v] === -1 || !isNew(v)) continue;
  const size = nodes[v * NF + fSize]!;
  newTotal += size;
  const chain: number[] = [];
  let u = v;
  let underKeep = false;
  while (u !== 0) {
    if (u === keepNode) {
      underKeep = true;
      break;
    }
    chain.push(u);
    u = idom[u]!;
  }
  let key: string;
  if (underKeep) {
    nodeTotal += size;
    const path = chain.reverse().slice(0, depthBelowKeep);
    let p = keepNode;
    key = 'NODE';
    for (const w of path) {
      key += ` › ${nameOf(w).slice(0, 30) || typeOf(w)}${via(p, w)}`;
      p = w;
    }
  } else {
    // highest new ancestor
    let top = v;
    for (let w = v; w !== 0 && isNew(w); w = idom[w]!) top = w;
    const d = idom[top]!;
    key = `PROC ${label(d)} ${via(d, top)} → ${label(top)}`;
    if (process.env.NOCODE && (typeOf(top) === 'code' || typeOf(v) === 'code')) key = 'PROC code (all)';
    if (process.env.STR && (typeOf(v) === 'string' || typeOf(v) === 'concatenated string')) {
      const ex = typeOf(v) === 'string' ? JSON.stringify(nameOf(v).slice(0, 40)) : '';
      const p2: string[] = [];
      for (let w = v, k = 0; w !== 0 && k < 5; w = idom[w]!, k++)
        p2.push(`${label(w).slice(0, 30)}${via(idom[w]!, w)}`);
      key = `STR ${p2.slice(1).join(' ‹ ')} ${ex.slice(0, 0)}`;
    }
  }
  // The first snapshot's ids (this tool's own, made before the first reading) are not counted.
  if (key.includes('.oldIds')) {
    newTotal -= size;
    continue;
  }
  groups.set(key, (groups.get(key) ?? 0) + size);
}
console.log(
  `new objects: ${(newTotal / 1e6).toFixed(3)} MB (${(newTotal / components).toFixed(1)} B/comp), under the node ${(nodeTotal / 1e6).toFixed(3)} MB (${(nodeTotal / components).toFixed(1)}), elsewhere ${((newTotal - nodeTotal) / 1e6).toFixed(3)} MB`,
);
for (const [k, b] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 60))) {
  console.log(`${(b / 1024).toFixed(1).padStart(9)} KiB ${(b / components).toFixed(2).padStart(6)}  ${k}`);
}
// Per type for process-level
const byType = new Map<string, number>();
for (let v = 1; v < count; v++) {
  if (order[v] === -1 || !isNew(v)) continue;
  let u = v;
  let underKeep = false;
  while (u !== 0) {
    if (u === keepNode) {
      underKeep = true;
      break;
    }
    u = idom[u]!;
  }
  if (underKeep) continue;
  const t = typeOf(v);
  const key = t === 'object' || t === 'closure' || t === 'hidden' ? `${t} ${nameOf(v).slice(0, 40)}` : t;
  byType.set(key, (byType.get(key) ?? 0) + nodes[v * NF + fSize]!);
}
console.log('process-level new objects by type:');
for (const [k, b] of [...byType].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${(b / 1024).toFixed(1).padStart(9)} KiB  ${k}`);
}
if (process.env.AB) {
  for (let v = 1; v < count; v++) {
    if (order[v] === -1 || !isNew(v) || nameOf(v) !== 'ArrayBuffer' || typeOf(v) !== 'object') continue;
    const r: string[] = [];
    for (let u = 0; u < count; u++) {
      for (let e = firstEdge[u]!; e < firstEdge[u + 1]!; e += EF) {
        if (edges[e + eTo]! / NF !== v) continue;
        const t = edgeTypes[edges[e + eType]!];
        r.push(
          `${label(u)} -${t}:${t === 'element' || t === 'hidden' ? edges[e + eName] : s1.strings[edges[e + eName]!]}`,
        );
        // and who holds u
        for (let u2 = 0; u2 < count && r.length < 12; u2++)
          for (let e2 = firstEdge[u2]!; e2 < firstEdge[u2 + 1]!; e2 += EF)
            if (edges[e2 + eTo]! / NF === u && edgeTypes[edges[e2 + eType]!] !== 'weak')
              r.push(
                `   ← ${label(u2)} .${edgeTypes[edges[e2 + eType]!] === 'element' ? edges[e2 + eName] : s1.strings[edges[e2 + eName]!]}`,
              );
      }
    }
    if (retainedOf(v) > 10000) console.log(`AB ${retainedOf(v)}: ${r.join(' | ')}`);
  }
}
function retainedOf(v: number): number {
  let s = nodes[v * NF + fSize]!;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) s += nodes[(edges[e + eTo]! / NF) * NF + fSize]!;
  return s;
}
