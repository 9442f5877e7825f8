import { FusionEngine } from '../src/core/fusion/engine';
import { fusionReports, fusionWorld } from './lib/fusion-world';

/**
 * Scenario 9's scan, alone, for a CPU profile (not a scenario: it saves nothing):
 *   node --cpu-prof --cpu-prof-dir=/tmp/s9-prof --import tsx bench/profile-s9.ts [n] [scans]
 * then read the .cpuprofile in Chrome DevTools, or summarise it with bench/lib/cpu-profile-top.ts.
 * Every scan both sensors report every object anew, as in the bench.
 */
const n = Number(process.argv[2] ?? 10_000);
const scans = Number(process.argv[3] ?? 20);
const w = fusionWorld(n);
const engine = new FusionEngine();
const times: number[] = [];
for (let k = 0; k < scans; k++) {
  const t = 1_700_000_000_000 + k * 1000;
  for (const r of fusionReports(w, t)) engine.upsert(r);
  const t0 = performance.now();
  engine.scan(t);
  times.push(performance.now() - t0);
}
const steady = times.slice(4).sort((a, b) => a - b);
console.log(
  `${n} × ${n}: median scan ${steady[steady.length >> 1]!.toFixed(1)} ms over ${steady.length} scans; ${engine.stats().fused} fused`,
);
