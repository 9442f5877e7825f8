import { cpus, loadavg, totalmem } from 'node:os';
import type { Machine } from './result';

/** BENCH_QUICK=1: the reduced sweep for a quick look. */
export const QUICK = process.env.BENCH_QUICK === '1';
/** Medians of at least 5 runs on this shared, noisy machine (docs/performance.md). */
export const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Milliseconds taken by fn. */
export function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Runs every case `runs` times, interleaved (a, b, c, a, b, c, ...) so the machine's slow spells
 * fall on all of them alike, after one untimed warm-up round. Each case returns its figure.
 */
export function interleaved(
  cases: Readonly<Record<string, () => number>>,
  runs = RUNS,
  warmUp = true,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const name of Object.keys(cases)) {
    out[name] = [];
    if (!warmUp) continue;
    gc();
    cases[name]!();
  }
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      gc();
      out[name]!.push(fn());
    }
  }
  return out;
}

/** interleaved for cases that await (the verifier's Ed25519 checks): same order, same warm-up. */
export async function interleavedAsync(
  cases: Readonly<Record<string, () => Promise<number>>>,
  runs = RUNS,
  warmUp = true,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const name of Object.keys(cases)) {
    out[name] = [];
    if (!warmUp) continue;
    gc();
    await cases[name]!();
  }
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(cases)) {
      gc();
      out[name]!.push(await fn());
    }
  }
  return out;
}

/** The load average when the benchmark started (this module is loaded first thing): what a table's "at start" says. */
const LOAD_AT_START = loadNow();

/** The 1-minute load average now. */
export function loadNow(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

/** The machine, with the load average at the benchmark's start (machine() is called when results are saved). */
export function machine(): Machine {
  const cpu = cpus();
  return {
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
    totalMemGiB: Math.round(totalmem() / 2 ** 30),
    loadAvg: LOAD_AT_START,
  };
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
