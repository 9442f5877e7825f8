import { expect } from 'vitest';
import { validateComponent } from '../../../../src/core/entity/validate-component';
import { isEntityId, isNodeId } from '../../../../src/core/ids';
import { DELETED, type Version } from '../../../../src/core/merge/version';
import { DEFAULT_LIMITS } from '../../../../src/core/wire/limits';

/** Every decoded version is one the store would accept from a local writer. */
export function expectValid(vs: readonly Version[]): void {
  for (const v of vs) {
    expect(isEntityId(v.entity)).toBe(true);
    expect(isNodeId(v.ts.node)).toBe(true);
    expect(Number.isSafeInteger(v.ts.ms) && v.ts.ms >= 0).toBe(true);
    expect(Number.isInteger(v.ts.c) && v.ts.c >= 0 && v.ts.c <= 0xffff).toBe(true);
    expect(v.seen.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxSeen);
    for (const s of v.seen) expect(isNodeId(s.node)).toBe(true);
    if (v.sig !== undefined) expect(v.sig.length).toBe(64);
    if (v.kind === DELETED) expect(v.value).toBeNull();
    else expect(validateComponent(v.kind, v.value)).toEqual(v.value);
  }
}
