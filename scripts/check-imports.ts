/**
 * Import rules eslint cannot express well: no import cycles among our modules, and the pure core
 * (src/core) imports nothing but itself. Run by `npm run lint`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOTS = ['src', 'workers', 'server'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

const graph = new Map<string, string[]>();
const problems: string[] = [];
const core = resolve('src/core');

for (const file of ROOTS.flatMap((r) => files(resolve(r)))) {
  const text = readFileSync(file, 'utf8');
  const deps: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    const target = resolveLocal(file, spec);
    if (file.startsWith(core)) {
      if (target === undefined || !target.startsWith(core)) {
        problems.push(`${relative('.', file)}: the core may import only core modules, not "${spec}"`);
      }
    }
    if (target !== undefined) deps.push(target);
  }
  graph.set(file, deps);
}

// Depth-first search with colours finds every back edge, i.e. every cycle.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
function visit(node: string): void {
  state.set(node, 'open');
  stack.push(node);
  for (const dep of graph.get(node) ?? []) {
    if (state.get(dep) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(dep)), dep].map((f) => relative('.', f));
      problems.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(node, 'done');
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`imports ok: ${graph.size} modules, no cycles, core is pure`);
