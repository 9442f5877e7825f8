import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map';

/** A node of a .cpuprofile (the DevTools profiler's format). */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: number[];
}

export interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/**
 * Reads a .cpuprofile of the built app and names each node through the build's source maps
 * (`distDir`/assets/*.js.map): a minified name becomes `name src/file.ts:line`. Shared by
 * cpu-profile-mapped.ts (time per function) and cpu-profile-tree.ts (the call tree).
 */
export async function readMappedProfile(
  file: string,
  distDir: string,
): Promise<{ profile: CpuProfile; keyOf: Map<number, string> }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const maps = new Map<string, SourceMapConsumer | undefined>();
  const mapOf = async (url: string): Promise<SourceMapConsumer | undefined> => {
    const name = url.replace(/^.*\/assets\//, '');
    if (!maps.has(name)) {
      const path = join(distDir, 'assets', `${name}.map`);
      maps.set(
        name,
        existsSync(path)
          ? await new SourceMapConsumer(JSON.parse(readFileSync(path, 'utf8')) as RawSourceMap)
          : undefined,
      );
    }
    return maps.get(name);
  };
  const keyOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    let key = f.functionName || '(anonymous)';
    const map = f.url.includes('/assets/') ? await mapOf(f.url) : undefined;
    if (map !== undefined) {
      const p = map.originalPositionFor({ line: f.lineNumber + 1, column: f.columnNumber });
      key = `${p.name ?? f.functionName} ${(p.source ?? '?').replace(/^.*\/(src|node_modules)\//, '$1/')}:${String(p.line)}`;
    }
    keyOf.set(node.id, key);
  }
  return { profile, keyOf };
}
