/**
 * The layer rules, checked. The table they come from is the "Layer rules" table of
 * docs/architecture.md, read from there so that the documented rules and the enforced ones are one.
 * Every import form counts: `import … from`, `import type`, `export … from`, side-effect imports
 * (`import './x'`), dynamic `import('x')`, `import x = require('x')` and `require('x')`, in .ts,
 * .tsx, .js and .mjs files. Also finds import cycles among our modules.
 * Run by `npm run lint`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

interface Layer {
  readonly name: string;
  readonly folder: string;
  readonly imports: ReadonlySet<string>;
  readonly typeImports: ReadonlySet<string>;
  readonly packages: readonly string[];
}

interface ImportRef {
  readonly spec: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

const TABLE_HEADING = '## Layer rules';
const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs'] as const;

/** Parses the markdown table under TABLE_HEADING: layer | folder | may import | types only from | packages. */
export function readLayerTable(markdown: string): Layer[] {
  const start = markdown.indexOf(TABLE_HEADING);
  if (start < 0) throw new Error(`docs/architecture.md has no "${TABLE_HEADING}" section`);
  // The first table after the heading: its consecutive `|` lines.
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('|'));
  const rows = lines.slice(first, end < 0 ? undefined : end).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
  const layers: Layer[] = [];
  for (const row of rows.slice(2)) {
    if (row.length !== 5) throw new Error(`layer table row has ${row.length} cells, wants 5: ${row.join(' | ')}`);
    const [name, folder, imports, typeImports, packages] = row as [string, string, string, string, string];
    const list = (cell: string): string[] =>
      cell === '—'
        ? []
        : cell
            .split(',')
            .map((s) => s.replace(/`/g, '').trim())
            .filter((s) => s.length > 0);
    layers.push({
      name,
      folder: folder.replace(/`/g, '').replace(/\/$/, ''),
      imports: new Set([name, ...list(imports)]),
      typeImports: new Set(list(typeImports)),
      packages: list(packages),
    });
  }
  return layers;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return SOURCE_EXTENSIONS.some((ext) => path.endsWith(ext)) ? [path] : [];
  });
}

/** Every module specifier a file names, and whether the import is erased at compile time. */
export function importsOf(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const refs: ImportRef[] = [];
  const lineOf = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      refs.push({ spec: node.moduleSpecifier.text, typeOnly, line: lineOf(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      refs.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly, line: lineOf(node) });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      refs.push({ spec: node.arguments[0].text, typeOnly: false, line: lineOf(node) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const spec = node.moduleReference.expression;
      if (ts.isStringLiteral(spec)) refs.push({ spec: spec.text, typeOnly: node.isTypeOnly, line: lineOf(node) });
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      refs.push({ spec: node.arguments[0].text, typeOnly: false, line: lineOf(node) });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      refs.push({ spec: node.argument.literal.text, typeOnly: true, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\?.*$/, ''));
  const candidates = [
    ...SOURCE_EXTENSIONS.map((ext) => `${base}${ext}`),
    ...SOURCE_EXTENSIONS.map((ext) => join(base, `index${ext}`)),
    base,
  ];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function packageAllowed(spec: string, patterns: readonly string[]): boolean {
  return patterns.some((p) =>
    p.endsWith('*') ? spec.startsWith(p.slice(0, -1)) : spec === p || spec.startsWith(`${p}/`),
  );
}

export interface CheckResult {
  /** One line per violation, paths relative to the root. */
  readonly problems: readonly string[];
  readonly modules: number;
  readonly layers: number;
}

/** Checks every module under the layer folders of `root` against `root`/docs/architecture.md. */
export function checkImports(root: string): CheckResult {
  const layers = readLayerTable(readFileSync(join(root, 'docs/architecture.md'), 'utf8'));
  // Longest folder first, so that src/core wins over a hypothetical src.
  const byFolder = [...layers].sort((a, b) => b.folder.length - a.folder.length);
  const layerOf = (file: string): Layer | undefined =>
    byFolder.find((l) => file === resolve(root, l.folder) || file.startsWith(resolve(root, l.folder) + sep));

  const roots = [...new Set(layers.map((l) => l.folder.split('/')[0]!))];
  const graph = new Map<string, string[]>();
  const problems: string[] = [];

  for (const file of roots.flatMap((r) => files(resolve(root, r)))) {
    const from = layerOf(file);
    const where = relative(root, file);
    if (from === undefined) {
      problems.push(`${where}: belongs to no layer of docs/architecture.md's layer table`);
      continue;
    }
    const deps: string[] = [];
    for (const ref of importsOf(file, readFileSync(file, 'utf8'))) {
      const target = resolveLocal(file, ref.spec);
      if (ref.spec.startsWith('.')) {
        const to = target === undefined ? undefined : layerOf(target);
        if (to === undefined) {
          problems.push(`${where}:${ref.line}: "${ref.spec}" is outside every layer`);
        } else if (!from.imports.has(to.name)) {
          if (!(ref.typeOnly && from.typeImports.has(to.name))) {
            const how = from.typeImports.has(to.name) ? ' (types only: use `import type`)' : '';
            problems.push(`${where}:${ref.line}: ${from.name} may not import ${to.name}${how} ("${ref.spec}")`);
          }
        }
        // Type-only imports are erased, so they cannot form a cycle at run time.
        if (target !== undefined && !ref.typeOnly) deps.push(target);
      } else if (!ref.typeOnly && !packageAllowed(ref.spec, from.packages)) {
        problems.push(`${where}:${ref.line}: ${from.name} may not import the package "${ref.spec}"`);
      }
    }
    graph.set(file, deps);
  }

  // Depth-first search with colours finds every back edge, i.e. every cycle.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(root, f));
        problems.push(`import cycle: ${cycle.join(' -> ')}`);
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return { problems, modules: graph.size, layers: layers.length };
}

function main(): void {
  const { problems, modules, layers } = checkImports(resolve('.'));
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`${problems.length} import rule violations (rules: docs/architecture.md, "Layer rules")`);
    process.exit(1);
  }
  console.log(`imports ok: ${modules} modules in ${layers} layers, no cycles, every layer within its rules`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
