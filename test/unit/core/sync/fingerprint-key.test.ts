/**
 * The session's fingerprint key (sync/fingerprint-key.ts): both ends of a link's handshake derive
 * the same one from both hellos' nonces and node ids; another link (other nonces) gets another.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import type { FingerprintKey } from '../../../../src/core/reconcile/fingerprint';
import { fingerprintKeyOf } from '../../../../src/core/sync/fingerprint-key';
import { Handshake } from '../../../../src/core/sync/handshake';
import { HANDSHAKE_NONCE_BYTES, MessageType, type SyncMessage } from '../../../../src/core/sync/messages';
import { resolveSessionOptions, type SessionHost } from '../../../../src/core/sync/session-types';

/** What a key does to a few ids: equal for equal keys, and different keys differ here with odds 2^-128 each. */
function signature(key: FingerprintKey): string {
  const out: number[] = [];
  const t = new Uint32Array(4);
  for (let i = 0; i < 3; i++) {
    key.term(new Uint8Array(16).fill(i), 0, t, 0);
    out.push(...t);
  }
  return out.join(',');
}

/** One link's handshake run between two ends (no host checks): the key each end's `done` got. */
function link(a: NodeId, b: NodeId, nonceA?: Uint8Array, nonceB?: Uint8Array): [FingerprintKey, FingerprintKey] {
  const keys: (FingerprintKey | undefined)[] = [undefined, undefined];
  const inbox: SyncMessage[][] = [[], []];
  const ends = [
    { self: a, nonce: nonceA },
    { self: b, nonce: nonceB },
  ].map((e, i) => {
    const o = resolveSessionOptions({
      self: e.self,
      lattice: 'L',
      ...(e.nonce === undefined ? {} : { nonce: e.nonce }),
    });
    return new Handshake(o, {} as SessionHost, {
      send: (m) => inbox[1 - i]!.push(m),
      hold: () => () => {},
      invalid: (reason) => {
        throw new Error(reason);
      },
      bye: (reason) => {
        throw new Error(reason);
      },
      refuse: (reason) => {
        throw new Error(reason);
      },
      isOpen: () => true,
      done: (_peer, _now, key) => {
        keys[i] = key;
      },
    });
  });
  const [ha, hb] = ends as [Handshake, Handshake];
  const helloA = ha.hello(0, 0, 0);
  const helloB = hb.hello(0, 0, 0);
  hb.onHello(helloA);
  ha.onHello(helloB);
  for (const [i, h] of [
    [0, ha],
    [1, hb],
  ] as const) {
    for (const m of inbox[i]!) if (m.type === MessageType.Proof) h.onProof(m, 0);
  }
  expect(ha.complete && hb.complete).toBe(true);
  return [keys[0]!, keys[1]!];
}

const A = 'node-a' as NodeId;
const B = 'node-b' as NodeId;
const nonce = (): Uint8Array => new Uint8Array(randomBytes(HANDSHAKE_NONCE_BYTES));

describe('the session fingerprint key', () => {
  it('is one key at both ends of a link, the one both hellos give', () => {
    const [na, nb] = [nonce(), nonce()];
    const [ka, kb] = link(A, B, na, nb);
    expect(signature(ka)).toBe(signature(kb));
    expect(signature(ka)).toBe(signature(fingerprintKeyOf({ node: B, nonce: nb }, { node: A, nonce: na })));
    // whichever end is named first
    expect(signature(fingerprintKeyOf({ node: A, nonce: na }, { node: B, nonce: nb }))).toBe(signature(ka));
  });

  it('differs between two links (other nonces), and between the same nonces on other nodes', () => {
    const [k1] = link(A, B, nonce(), nonce());
    const [k2] = link(A, B, nonce(), nonce());
    expect(signature(k1)).not.toBe(signature(k2));
    const [na, nb] = [nonce(), nonce()];
    const here = fingerprintKeyOf({ node: A, nonce: na }, { node: B, nonce: nb });
    // the nonces swapped between the nodes, or another node with the same nonces
    expect(signature(fingerprintKeyOf({ node: A, nonce: nb }, { node: B, nonce: na }))).not.toBe(signature(here));
    expect(signature(fingerprintKeyOf({ node: A, nonce: na }, { node: 'node-c' as NodeId, nonce: nb }))).not.toBe(
      signature(here),
    );
  });

  it('is fixed for sessions given no nonces (tests of the session alone), and still agreed', () => {
    const [ka, kb] = link(A, B);
    const [kc] = link(A, B);
    expect(signature(ka)).toBe(signature(kb));
    expect(signature(ka)).toBe(signature(kc));
  });
});
