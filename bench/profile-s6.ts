/**
 * Scenario 6's page under the DevTools CPU profiler (not a scenario: it saves nothing):
 *   node --import tsx bench/profile-s6.ts [n] [seconds] [out.cpuprofile]
 * Runs the page of bench/s6-map-frame.ts (the node worker's compact feed to the map) with n tracks,
 * profiles the page's main thread while every track reports once a second, then prints the page's
 * own figures and the self time per function (bench/lib/cpu-profile-top.ts reads the written
 * profile again).
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameSample } from './browser/s6-map-page';
import { openBenchPage } from './lib/bench-page';
import { median } from './lib/stats';

const n = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 4);
const out = process.argv[4] ?? join(tmpdir(), `s6-${n.toString()}.cpuprofile`);
const bench = await openBenchPage('s6-map-page', {
  workers: ['s6-node-worker.ts'],
  ready: 'window.s6 !== undefined',
  log: (line) => console.log(line),
});
try {
  const { page, cdp } = bench;
  await page.evaluate((k) => window.s6!.prepare(k), n);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const before = await bench.taskSeconds();
  const sample = (await page.evaluate((s) => window.s6!.measure(s), seconds)) as FrameSample;
  const busy = (await bench.taskSeconds()) - before;
  const { profile } = await cdp.send('Profiler.stop');
  await writeFile(out, JSON.stringify(profile));
  console.log(
    `${n.toString()} tracks: ${sample.frames.toString()} frames in ${sample.seconds.toFixed(1)} s, ` +
      `main thread ${((busy * 1000) / Math.max(1, sample.frames)).toFixed(2)} ms/frame, ` +
      `${sample.feedMs.length.toString()} batches of median ${median(sample.rows).toString()} rows, ` +
      `feed median ${median(sample.feedMs).toFixed(2)} ms, map update median ${median(sample.updateMs).toFixed(2)} ms; profile ${out}`,
  );
} finally {
  await bench.close();
}
spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'cpu-profile-top.ts'), out, '40'], {
  stdio: 'inherit',
});
