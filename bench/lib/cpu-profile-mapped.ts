import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';

/**
 * Self time per function of a .cpuprofile from the built app, named by the build's source maps
 * (dist/assets/*.js.map): minified names become source file:line.
 *   node --import tsx bench/lib/cpu-profile-mapped.ts <file.cpuprofile> <distDir> [top]
 */
interface Node {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
const [file, dist, topArg] = process.argv.slice(2);
if (file === undefined || dist === undefined)
  throw new Error('usage: cpu-profile-mapped <file.cpuprofile> <distDir> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const maps = new Map<string, SourceMapConsumer | undefined>();
async function mapOf(url: string): Promise<SourceMapConsumer | undefined> {
  const name = url.replace(/^.*\/assets\//, '');
  if (!maps.has(name)) {
    const path = join(dist, 'assets', `${name}.map`);
    maps.set(
      name,
      existsSync(path)
        ? await new SourceMapConsumer(JSON.parse(readFileSync(path, 'utf8')) as RawSourceMap)
        : undefined,
    );
  }
  return maps.get(name);
}
const by = new Map<string, number>();
for (const node of profile.nodes) {
  const f = node.callFrame;
  let key = `${f.functionName || '(anonymous)'}`;
  const map = f.url.includes('/assets/') ? await mapOf(f.url) : undefined;
  if (map !== undefined) {
    const p = map.originalPositionFor({ line: f.lineNumber + 1, column: f.columnNumber });
    key = `${p.name ?? f.functionName} ${(p.source ?? '?').replace(/^.*\/(src|node_modules)\//, '$1/')}:${String(p.line)}`;
  }
  by.set(key, (by.get(key) ?? 0) + (selfUs.get(node.id) ?? 0));
}
const total = [...by.values()].reduce((a, b) => a + b, 0);
for (const [key, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
