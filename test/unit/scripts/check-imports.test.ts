import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports, importsOf, readLayerTable } from '../../../scripts/check-imports';

const TABLE = `# x

## Layer rules

Prose.

| layer | folder | may import | types only from | packages |
| ----- | ------ | ---------- | --------------- | -------- |
| core  | \`src/core\` | — | — | — |
| ui    | \`src/ui\`   | core | node | \`lit\`, \`node:*\` |

| another | table |
| ------- | ----- |
| a       | b     |
`;

describe('the layer table', () => {
  it('reads the first table after the heading, each layer importing itself', () => {
    const layers = readLayerTable(TABLE);
    expect(layers.map((l) => l.name)).toEqual(['core', 'ui']);
    expect([...layers[0]!.imports]).toEqual(['core']);
    expect([...layers[1]!.imports]).toEqual(['ui', 'core']);
    expect([...layers[1]!.typeImports]).toEqual(['node']);
    expect(layers[1]!.packages).toEqual(['lit', 'node:*']);
    expect(layers[1]!.folder).toBe('src/ui');
  });

  it('refuses a document without the section', () => {
    expect(() => readLayerTable('# nothing here')).toThrow(/Layer rules/);
  });
});

describe('the imports a file names', () => {
  it('sees every form, and tells type-only imports apart', () => {
    const text = [
      "import './side-effect';",
      "import { a } from './value';",
      "import type { B } from './type-only';",
      "import { type C, type D } from './all-inline-types';",
      "import { type E, f } from './mixed';",
      "export { g } from './re-export';",
      "export type { H } from './type-re-export';",
      "const m = await import('./dynamic');",
      "let t: import('./import-type').T;",
      "import cjs = require('./import-equals');",
      "import type T2 = require('./import-equals-type');",
      "const plain = require('./require');",
      'import {',
      '  multi,',
      '  line,',
      "} from './multi-line';",
    ].join('\n');
    expect(importsOf('x.ts', text).map((r) => [r.spec, r.typeOnly])).toEqual([
      ['./side-effect', false],
      ['./value', false],
      ['./type-only', true],
      ['./all-inline-types', true],
      ['./mixed', false],
      ['./re-export', false],
      ['./type-re-export', true],
      ['./dynamic', false],
      ['./import-type', true],
      ['./import-equals', false],
      ['./import-equals-type', true],
      ['./require', false],
      ['./multi-line', false],
    ]);
  });
});

describe('the checker over a tree', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  const plant = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'check-imports-'));
    root = dir;
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };

  it('finds exactly the planted violations, in every file type', () => {
    const dir = plant({
      'docs/architecture.md': [
        '## Layer rules',
        '',
        '| layer | folder | may import | types only from | packages |',
        '| ----- | ------ | ---------- | --------------- | -------- |',
        '| core | `src/core` | — | — | — |',
        '| adapters | `src/adapters` | core | — | — |',
        '| ui | `src/ui` | core | — | `lit` |',
        '| app | `src/app` | core, adapters, ui | — | — |',
        '| server | `server` | core | — | `node:*` |',
        '',
      ].join('\n'),
      // A cycle across file types.
      'src/core/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'src/core/b.mjs': "import { a } from './a';\nexport const b = () => a;\n",
      'src/adapters/bucket.js': "import { a } from '../core/a';\nexport const bucket = a;\n",
      'src/app/boot.ts': "import { bucket } from '../adapters/bucket';\nexport const boot = bucket;\n",
      // ui → app by a side-effect import; the package import beside it is allowed.
      'src/ui/panel.tsx':
        "import { LitElement } from 'lit';\nimport '../app/boot';\nexport class Panel extends LitElement {}\n",
      // server → adapters by import-equals.
      'server/main.ts':
        "import fs = require('node:fs');\nimport bucket = require('../src/adapters/bucket');\nexport { fs, bucket };\n",
    });
    expect([...checkImports(dir).problems].sort()).toEqual(
      [
        'import cycle: src/core/a.ts -> src/core/b.mjs -> src/core/a.ts',
        'server/main.ts:2: server may not import adapters ("../src/adapters/bucket")',
        'src/ui/panel.tsx:2: ui may not import app ("../app/boot")',
      ].sort(),
    );
  });

  it('passes a tree within its rules', () => {
    const dir = plant({
      'docs/architecture.md': TABLE,
      'src/core/a.ts': 'export const a = 1;\n',
      'src/ui/panel.ts': "import { a } from '../core/a';\nimport { html } from 'lit';\nexport const p = [a, html];\n",
    });
    expect(checkImports(dir)).toEqual({ problems: [], modules: 2, layers: 2 });
  });
});
