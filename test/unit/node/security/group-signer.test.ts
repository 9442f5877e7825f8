/** GroupSigner: commits asking while a round is signed share the next one, priority first, bulk rounds bounded. */
import { describe, expect, it } from 'vitest';
import type { ComponentValue } from '../../../../src/core/entity/component-types';
import type { ComponentKind, EntityId } from '../../../../src/core/ids';
import type { Version } from '../../../../src/core/merge/version';
import type { LeafProof } from '../../../../src/core/signing/leaf-proof';
import { BULK_ROUND_VERSIONS, GroupSigner } from '../../../../src/node/security/sign-writes';
import type { Signer } from '../../../../src/ports/signer';
import { testIdentity } from '../../support/test-keys';

const me = testIdentity('writer');

const versions = (from: number, n: number, kind = 'position'): Version[] =>
  Array.from({ length: n }, (_, i) => ({
    entity: `track-${(from + i).toString()}` as EntityId,
    kind: kind as ComponentKind,
    value: { lat: 50, lon: 4, alt: i } as unknown as ComponentValue,
    ts: { ms: 1_700_000_000_000, c: 0, node: me.id },
    seen: [],
  }));

/** The signer, holding each signature until released. */
function heldSigner(): { signer: Signer; release: () => void } {
  const waiting: (() => void)[] = [];
  const signer: Signer = {
    publicKey: me.signer.publicKey,
    async sign(bytes) {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return me.signer.sign(bytes);
    },
  };
  return { signer, release: () => waiting.splice(0).forEach((open) => open()) };
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const count = (v: Version): number => (v as { proof?: LeafProof }).proof?.count ?? 0;

describe('GroupSigner', () => {
  it('signs a priority commit in the round after the one running, ahead of the bulk waiting, whose rounds are bounded', async () => {
    const { signer, release } = heldSigner();
    const group = new GroupSigner(signer, me.id);
    const first = versions(0, 10);
    const running = group.sign(first);
    await settle(); // the first round is being signed
    // Eight bulk commits of 300 versions wait, then a decision.
    const bulk = Array.from({ length: 8 }, (_, k) => versions(100 + k * 300, 300));
    const order: string[] = [];
    bulk.forEach((b, k) => void group.sign(b).then(() => order.push(`bulk${k.toString()}`)));
    const decision = versions(9_000, 1, 'approval');
    void group.sign(decision, 'priority').then(() => order.push('decision'));
    release();
    await running;
    await settle();
    expect(order).toEqual([]); // the decision's round is being signed, alone
    release();
    await settle();
    expect(order).toEqual(['decision']);
    expect(count(decision[0]!)).toBe(1);
    // Then the bulk, whole commits, at most BULK_ROUND_VERSIONS a round.
    for (let k = 0; k < 8 && order.length < 9; k++) {
      release();
      await settle();
    }
    expect(order).toEqual(['decision', ...bulk.map((_, k) => `bulk${k.toString()}`)]);
    const sizes = new Set(bulk.map((b) => count(b[0]!)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BULK_ROUND_VERSIONS);
    // Each commit's versions were signed in one round.
    for (const b of bulk) expect(new Set(b.map(count)).size).toBe(1);
  });

  it('a single commit larger than a round is signed whole, in a round of its own', async () => {
    const group = new GroupSigner(me.signer, me.id);
    const big = versions(0, BULK_ROUND_VERSIONS + 5);
    const small = versions(5_000, 3);
    await Promise.all([group.sign(small), group.sign(big)]);
    expect(count(big[0]!)).toBe(BULK_ROUND_VERSIONS + 5);
    expect(count(small[0]!)).toBe(3);
  });
});
