import { describe, expect, it } from 'vitest';
import { met } from '../../../bench/lib/report';
import type { Row } from '../../../bench/lib/result';

const row = (median: number, better: 'higher' | 'lower', text: string, value: number): Row => ({
  case: 'c',
  unit: 'ms',
  better,
  ours: { median, min: median, max: median, runs: [median] },
  target: { text, value },
});

describe('benchmarks: whether a figure meets its target', () => {
  it('reads `<` and `>` as strict, `≤` and `≥` as not', () => {
    expect(met(row(0.2, 'lower', '< 0.2 ms', 0.2))).toBe('**no**');
    expect(met(row(0.19, 'lower', '< 0.2 ms', 0.2))).toBe('yes');
    expect(met(row(100, 'lower', '≤ 100 B', 100))).toBe('yes');
    expect(met(row(101, 'lower', '≤ 100 B', 100))).toBe('**no**');
    expect(met(row(300, 'higher', '≥ 300/s', 300))).toBe('yes');
    expect(met(row(300, 'higher', '> 300/s', 300))).toBe('**no**');
  });
});
