/** MAX_KNOWN (docs/security.md, "Every limit, in one table"): a new peer past it is ignored, and counted. */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import { LinkTable } from '../../../../src/app/mesh/link-table';
import { MAX_KNOWN } from '../../../../src/app/mesh/mesh-types';
import { Refusals } from '../../../../src/app/mesh/refusals';
import type { RtcLink } from '../../../../src/app/mesh/rtc-link';

describe('LinkTable', () => {
  it('ignores a new peer once MAX_KNOWN records are held and none can be forgotten, and counts it', () => {
    let full = 0;
    const live = (peer: NodeId) => ({ peer, active: true, dormant: false, state: 'connected' }) as unknown as RtcLink;
    const table = new LinkTable(live, new Refusals(), () => full++);
    for (let i = 0; i < MAX_KNOWN; i++) expect(table.linkFor(`p${i}` as NodeId)).toBeDefined();
    expect(full).toBe(0);
    expect(table.linkFor('one-more' as NodeId)).toBeUndefined();
    expect(table.linkFor('p0' as NodeId)).toBeDefined(); // a known peer is still found
    expect(full).toBe(1);
  });

  it('forgets a long-silent peer to make room instead (nothing counted)', () => {
    let full = 0;
    const silent = (peer: NodeId) => ({ peer, active: false, dormant: true, state: 'idle' }) as unknown as RtcLink;
    const table = new LinkTable(silent, new Refusals(), () => full++);
    for (let i = 0; i <= MAX_KNOWN; i++) expect(table.linkFor(`p${i}` as NodeId)).toBeDefined();
    expect(full).toBe(0);
  });
});
