import type { Version } from '../src/core/merge/version';
import { EntityStore } from '../src/core/store/entity-store';
import { decodeVersions, encodeVersions, IdCache } from '../src/core/wire';
import { batches, scenario1 } from './lib/workload';

/**
 * Scenario 1's merge path, alone, for a CPU profile (not a scenario: it saves nothing):
 *   node --cpu-prof --cpu-prof-dir=/tmp/s1-prof --import tsx bench/profile-s1.ts [n] [rounds] [single]
 * then summarise it with bench/lib/cpu-profile-top.ts. Each round merges the pre-decoded writes
 * into a fresh EntityStore (merge only), then decodes and merges them again (end to end), as
 * bench/s1-merge-throughput.ts does; `single` gives each track one author.
 */
const n = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 20);
const single = process.argv[4] === 'single';
const bytes = batches(scenario1(n, 1, single).writes).map((b) => encodeVersions(b));
const decoded: Version[][] = bytes.map((b) => decodeVersions(b));
let merge = 0;
let e2e = 0;
for (let r = 0; r < rounds; r++) {
  const a = new EntityStore();
  const t0 = performance.now();
  for (const b of decoded) for (const v of b) a.apply(v);
  const t1 = performance.now();
  const s = new EntityStore();
  const ids = new IdCache();
  for (const b of bytes) for (const v of decodeVersions(b, { ids })) s.apply(v);
  const t2 = performance.now();
  if (r >= rounds / 4) {
    merge += t1 - t0;
    e2e += t2 - t1;
  }
}
const timed = rounds - Math.ceil(rounds / 4);
console.log(
  `${n} writes${single ? ', one author per track' : ''}: merge only ${((n * timed) / merge / 1000).toFixed(2)}M/s, ` +
    `decode + merge ${((n * timed) / e2e / 1000).toFixed(2)}M/s`,
);
