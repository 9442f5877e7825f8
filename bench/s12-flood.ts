/**
 * Scenario 12 over a flooded 64 kbit/s link (docs/performance.md: p99 < 2 s): bench/s12-c2-pipeline.ts
 * with every link of both tabs budgeted to 8,000 B/s, saved as `s12-flood`.
 */
process.env.S12_BUDGET = '8000';
await import('./s12-c2-pipeline');
export {};
