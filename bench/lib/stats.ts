import type { Stat } from './result';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function stat(runs: readonly number[]): Stat {
  if (runs.length === 0) throw new Error('no runs');
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** A value measured once (byte counts are exact: there is nothing to take the median of). */
export function exact(x: number): Stat {
  return stat([x]);
}

/** The p-quantile (0..1) of xs by the nearest-rank method. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}
