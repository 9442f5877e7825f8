import { readMappedProfile } from './cpu-profile-source';

/**
 * Time per function of a .cpuprofile from the built app, named by the build's source maps
 * (dist/assets/*.js.map): minified names become source file:line. Self time by default; with
 * --total, inclusive time (a function and what it called, each sample counted once per function on
 * its stack): where a call's time goes, layer by layer.
 *   node --import tsx bench/lib/cpu-profile-mapped.ts [--total] <file.cpuprofile> <distDir> [top]
 */
const args = process.argv.slice(2);
const inclusive = args[0] === '--total';
const [file, dist, topArg] = inclusive ? args.slice(1) : args;
if (file === undefined || dist === undefined)
  throw new Error('usage: cpu-profile-mapped [--total] <file.cpuprofile> <distDir> [top]');
const { profile, keyOf } = await readMappedProfile(file, dist);
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
const by = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  if (!inclusive) {
    const key = keyOf.get(id)!;
    by.set(key, (by.get(key) ?? 0) + dt);
    return;
  }
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) seen.add(keyOf.get(n)!);
  for (const k of seen) by.set(k, (by.get(k) ?? 0) + dt);
});
for (const [key, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? (inclusive ? 60 : 25))))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
