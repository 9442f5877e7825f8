import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDocs } from './lib/save';
import { SCENARIOS } from './scenarios';

/**
 * `npm run bench [-- s1 s2 ...]`: runs the listed scenarios (all by default), each in its own
 * Node process with the GC exposed, one after another so they do not compete for the 2 cores.
 * Each saves its own entry in bench/results/latest.json; docs/benchmarks.md is re-rendered from
 * all entries, so scenarios not run this time keep their last figures. BENCH_QUICK=1: quick sweep.
 */
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.id));
if (selected.length === 0) {
  console.error(`no scenario matches ${wanted.join(' ')}; known: ${SCENARIOS.map((s) => s.id).join(' ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const s of selected) {
  const t0 = Date.now();
  console.log(`bench ${s.id}: ${s.file}${process.env.BENCH_QUICK === '1' ? ' (quick)' : ''}`);
  const r = spawnSync(process.execPath, ['--expose-gc', ...(s.nodeArgs ?? []), '--import', 'tsx', join(here, s.file)], {
    stdio: 'inherit',
    env: process.env,
  });
  const secs = Math.round((Date.now() - t0) / 1000);
  if (r.status !== 0) {
    failed.push(s.id);
    console.error(`bench ${s.id} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
  } else console.log(`bench ${s.id} done in ${secs} s`);
}
await renderDocs();
console.log('wrote bench/results/latest.json and docs/benchmarks.md');
if (failed.length > 0) process.exit(1);
