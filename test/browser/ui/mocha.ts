/** Mocha's BDD globals (WTR sets them up before the test module runs), typed for these tests. */
type Fn = (this: unknown) => void | Promise<void>;

interface MochaGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: Fn): void;
  beforeEach(body: Fn): void;
  afterEach(body: Fn): void;
}

const g = globalThis as unknown as MochaGlobals;
export const describe = g.describe.bind(g);
export const it = g.it.bind(g);
export const beforeEach = g.beforeEach.bind(g);
export const afterEach = g.afterEach.bind(g);
