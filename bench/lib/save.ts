import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { renderReport } from './report';
import type { LatestResults, ScenarioResult } from './result';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LATEST = join(ROOT, 'bench', 'results', 'latest.json');
export const DOC = join(ROOT, 'docs', 'benchmarks.md');
const PREAMBLE = join(ROOT, 'bench', 'preamble.md');

export function loadLatest(): LatestResults {
  if (!existsSync(LATEST)) return { updatedAt: new Date(0).toISOString(), scenarios: {} };
  return JSON.parse(readFileSync(LATEST, 'utf8')) as LatestResults;
}

/** Replaces this scenario's entry in latest.json (others are kept) and re-renders docs/benchmarks.md. */
export async function saveResult(result: ScenarioResult): Promise<void> {
  const latest = loadLatest();
  const next: LatestResults = {
    updatedAt: new Date().toISOString(),
    scenarios: { ...latest.scenarios, [result.id]: result },
  };
  writeAtomically(LATEST, `${JSON.stringify(next, null, 1)}\n`);
  await renderDocs(next);
}

export async function renderDocs(latest: LatestResults = loadLatest()): Promise<void> {
  const preamble = existsSync(PREAMBLE) ? readFileSync(PREAMBLE, 'utf8') : '';
  const options = (await resolveConfig(DOC)) ?? {};
  // Formatted as the repo's `prettier --check .` expects (tables padded), so lint stays green.
  writeAtomically(DOC, await format(renderReport(latest, preamble), { ...options, parser: 'markdown' }));
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // The temporary file lives in bench/results (git-ignored *.tmp), then moves into place whole.
  const tmp = join(ROOT, 'bench', 'results', `${path.split('/').pop()!}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
