/**
 * The gate's states keep one hidden class whatever path built them (gateState in
 * src/core/task/gate.ts): the approval loop steps the gate at every threat, approval or task change
 * it merges, and states built by spreading only the fields present took a class per combination and
 * order of fields, so stepGate and settle read them through polymorphic loads.
 */
import { describe, expect, it } from 'vitest';
import { haveSameMap } from '../../support/v8-natives';
import { initialGate, stepGate, type GateState } from '../../../../src/core/task/gate';
import { A, B, cfg, E, GateDriver, threat } from './gate-fixtures';

describe('gate state shape', () => {
  it('a fresh state, a threat step, an observed step, a raised request and a decision share one hidden class', () => {
    const states: GateState[] = [initialGate(E)];
    const d = new GateDriver(A);
    states.push(d.step({ type: 'threat', threat: threat('MEDIUM', 1_000) }, 1_000).state);
    states.push(d.step({ type: 'threat', threat: threat('HIGH', 2_000) }, 2_000).state);
    const requestId = d.state.approval!.requestId;
    states.push(d.step({ type: 'decide', requestId, decision: 'approve', operator: 'op1' }, 2_500).state);
    // Another node's gate that only observed the registers, never a threat.
    const follower = stepGate(
      initialGate(E),
      { type: 'observed', approval: d.state.approval, task: d.state.task },
      3_000,
      cfg(B),
    );
    states.push(follower.state);
    expect(d.state.task).toBeDefined();
    for (const s of states) expect(haveSameMap(s, states[0]!)).toBe(true);
  });

  it('a step refused and one accepted give answers of one hidden class', () => {
    const d = new GateDriver(A);
    const accepted = d.step({ type: 'threat', threat: threat('HIGH', 1_000) }, 1_000);
    const refused = d.step({ type: 'decide', requestId: 'nope' as never, decision: 'deny', operator: 'op1' }, 1_100);
    expect(refused.rejected).toBeDefined();
    expect(accepted.rejected).toBeUndefined();
    expect(haveSameMap(accepted, refused)).toBe(true);
  });
});
