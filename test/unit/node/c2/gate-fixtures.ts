/** Test helper (not a test file): tracks the classifier turns HIGH or lets go, near the defended point. */
import type { Approval, Task, Threat } from '../../../../src/core/entity/component-types';
import { offset } from '../../../../src/core/sim/geo';
import { DEFENDED_POINT } from '../../../../src/node/c2-pipeline';
import type { LatticeNode } from '../../../../src/node/lattice-node';

const at2km = offset(DEFENDED_POINT, 0, 2_000);

/** An EO track 2 km out, closing at 150 m/s, with a fresh identity cue of the given disposition. */
export function track(disposition: 'HOSTILE' | 'NEUTRAL' = 'HOSTILE'): Record<string, unknown> {
  return {
    source: { sensorId: 'test-eo', sensorType: 'eo' },
    position: { lat: at2km.lat, lon: at2km.lon, alt: 3_000 },
    velocity: { east: 0, north: -150 },
    cue: { label: 'fighter', disposition, environment: 'AIR', confidence: 0.95 },
  };
}

/** A fresh cue (the classifier lets a cue fade over 10 s): what the track's sensor keeps sending. */
export function refresh(
  node: LatticeNode,
  id: string,
  disposition: 'HOSTILE' | 'NEUTRAL' = 'HOSTILE',
): Promise<unknown> {
  return node.update(id, { cue: track(disposition).cue as Record<string, unknown> });
}

export async function approvalOf(node: LatticeNode, id: string): Promise<Approval | undefined> {
  return (await node.get(id))?.components.approval as Approval | undefined;
}

export async function taskOf(node: LatticeNode, id: string): Promise<Task | undefined> {
  return (await node.get(id))?.components.task as Task | undefined;
}

export async function threatOf(node: LatticeNode, id: string): Promise<Threat['level'] | undefined> {
  return ((await node.get(id))?.components.threat as Threat | undefined)?.level;
}
