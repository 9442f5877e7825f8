import type { Remote } from 'comlink';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LatticeHandle } from '../../../src/app/lattice-handle';
import type { LatticeApi, MeshApi } from '../../../src/node/lattice-api';
import { LatticeNode } from '../../../src/node/lattice-node';
import { NODE_CALLS, type NodeApi, type NodeCallName, type NodeCalls } from '../../../src/node/node-api';
import type { WorkerApi } from '../../../src/node/worker-api';
import type { UiClient } from '../../../src/ui/ui-client';

// The checks below are types: `tsc --noEmit` (npm run lint) fails when one drifts.
describe('the node API is declared once (node-api.ts) and everything else derives from it', () => {
  it('gives window.lattice, the worker and the UI client exactly the node API', () => {
    expectTypeOf<Pick<LatticeHandle, keyof NodeApi>>().toEqualTypeOf<Pick<NodeApi, keyof NodeApi>>();
    expectTypeOf<LatticeHandle>().toEqualTypeOf<LatticeApi>();
    expectTypeOf<LatticeApi>().toExtend<NodeApi & MeshApi>();
    expectTypeOf<Pick<WorkerApi, keyof NodeApi>>().toEqualTypeOf<Pick<NodeApi, keyof NodeApi>>();
    expectTypeOf<UiClient>().toEqualTypeOf<NodeApi>();
    expectTypeOf<LatticeNode>().toExtend<NodeApi>();
  });

  it('lets the page forward the worker remote as the node calls, unchanged', () => {
    expectTypeOf<Remote<WorkerApi>>().toExtend<NodeCalls>();
    expectTypeOf<Remote<WorkerApi>['create']>().parameters.toEqualTypeOf<Parameters<NodeCalls['create']>>();
  });

  it('lists every call once, each one a method of the node', () => {
    expectTypeOf<(typeof NODE_CALLS)[number]>().toEqualTypeOf<NodeCallName>();
    expect(new Set(NODE_CALLS).size).toBe(NODE_CALLS.length);
    for (const name of NODE_CALLS) expect(typeof LatticeNode.prototype[name], name).toBe('function');
  });
});
