import { readFileSync } from 'node:fs';

/**
 * The long tasks of a V8 .cpuprofile: runs of consecutive samples that are not `(idle)`, longest
 * first, each with the functions it spent most time in (inclusive: a function and what it called).
 * What a worker's long task is made of, which self time per function (cpu-profile-top.ts) does not
 * say. A run broken by one idle sample ends there, so the figures are a lower bound of a task.
 *   node --import tsx bench/lib/cpu-profile-tasks.ts <file.cpuprofile> [minMs] [top]
 */
interface Node {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
const [file, minArg, topArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: cpu-profile-tasks <file.cpuprofile> [minMs] [top]');
const MIN_MS = Number(minArg ?? 50);
const TOP = Number(topArg ?? 12);
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};
const parent = new Map<number, number>();
const byId = new Map<number, Node>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const keyOf = (n: Node): string => {
  const f = n.callFrame;
  const where = f.url.replace(/^.*\/(src|workers|bench|node_modules|assets)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${where}:${(f.lineNumber + 1).toString()}`;
};
const stackCache = new Map<number, string[]>();
function stack(id: number): string[] {
  let s = stackCache.get(id);
  if (s !== undefined) return s;
  const keys = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) keys.add(keyOf(byId.get(at)!));
  s = [...keys];
  stackCache.set(id, s);
  return s;
}
const isIdle = (id: number): boolean => byId.get(id)!.callFrame.functionName === '(idle)';

interface Task {
  start: number;
  ms: number;
  inclusive: Map<string, number>;
}
const tasks: Task[] = [];
let t = profile.startTime;
let current: Task | undefined;
let busy = 0;
profile.samples.forEach((id, i) => {
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  t += (profile.timeDeltas[i] ?? 0) / 1000;
  if (isIdle(id)) {
    if (current !== undefined) tasks.push(current);
    current = undefined;
    return;
  }
  busy += dt;
  current ??= { start: t, ms: 0, inclusive: new Map() };
  current.ms += dt;
  for (const k of stack(id)) current.inclusive.set(k, (current.inclusive.get(k) ?? 0) + dt);
});
if (current !== undefined) tasks.push(current);
const wall = (profile.endTime - profile.startTime) / 1000;
const long = tasks.filter((x) => x.ms >= MIN_MS).sort((a, b) => b.ms - a.ms);
const inLong = long.reduce((a, x) => a + x.ms, 0);
console.log(
  `${file}: wall ${wall.toFixed(0)} ms, busy ${((100 * busy) / wall).toFixed(1)} %, ${long.length.toString()} tasks ≥ ${MIN_MS.toString()} ms (${((100 * inLong) / wall).toFixed(1)} % of the wall time)`,
);
const skip = /^\((root|program|garbage collector)\)|^\(anonymous\) :0$/;
for (const x of long.slice(0, TOP)) {
  const top = [...x.inclusive]
    .filter(([k]) => !skip.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, ms]) => `      ${((100 * ms) / x.ms).toFixed(0).padStart(3)} %  ${k}`);
  console.log(`  ${x.ms.toFixed(0).padStart(6)} ms at +${((x.start - profile.startTime) / 1000).toFixed(0)} ms`);
  console.log(top.join('\n'));
}
