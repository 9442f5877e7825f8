import type { EntityId, NodeId } from '../../../../src/core/ids';
import type { ThreatLevel } from '../../../../src/core/entity/component-types';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_FOLLOWER_GRACE_MS,
  initialGate,
  stepGate,
  type GateConfig,
  type GateEvent,
  type GateState,
  type GateStep,
} from '../../../../src/core/task/gate';
import type { ThreatView } from '../../../../src/core/task/records';

export const E = 'track-1' as EntityId;
export const A = 'nodeA' as NodeId;
export const B = 'nodeB' as NodeId;

export const cfg = (self: NodeId): GateConfig => ({
  self,
  deadlineMs: DEFAULT_DEADLINE_MS,
  followerGraceMs: DEFAULT_FOLLOWER_GRACE_MS,
});

export const threat = (
  level: ThreatLevel,
  ms: number,
  author: NodeId = A,
  reason = `${level} at ${ms}`,
): ThreatView => ({
  level,
  version: { ms, c: 0, node: author },
  reason,
});

/** Drives one node's gate through events, keeping the last step for assertions. */
export class GateDriver {
  state: GateState = initialGate(E);
  last!: GateStep;
  constructor(readonly self: NodeId = A) {}
  step(event: GateEvent, now: number): GateStep {
    this.last = stepGate(this.state, event, now, cfg(this.self));
    this.state = this.last.state;
    return this.last;
  }
}
