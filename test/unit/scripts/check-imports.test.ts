import { describe, expect, it } from 'vitest';
import { importsOf, readLayerTable } from '../../../scripts/check-imports';

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
      ['./multi-line', false],
    ]);
  });
});
