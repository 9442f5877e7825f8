import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../../src/core/reconcile';
import {
  PROTOCOL_VERSION,
  ReconcileError,
  Reconciler,
  SortedVectorStorage,
  UNSESSIONED_FINGERPRINT_KEY,
} from '../../../../src/core/reconcile';
import { makeItems, prng, runSession } from './helpers';

const seed = Number(process.env.SEED ?? Date.now());
console.log(`reconcile fuzz: seed ${seed} (replay with SEED=${seed})`);

const FRAME = 8192;
/** Outside a sync session: the public test key, by name (a Reconciler has no default). */
const key = UNSESSIONED_FINGERPRINT_KEY;

/** Sets a and b plus real messages of sessions between them, as seeds for mutation. */
function corpus(): { a: Item[]; b: Item[]; messages: Uint8Array[] } {
  const a = makeItems(3000, 1);
  const b = [...a.filter((_, i) => i % 7 !== 0), ...makeItems(300, 2, 1_700_000_200_000)];
  const messages: Uint8Array[] = [];
  for (const frame of [4096, FRAME]) {
    messages.push(...runSession(a, b, { frameSizeLimit: frame, key }).messages);
    messages.push(...runSession(b.slice(0, 1000), a.slice(500, 2500), { frameSizeLimit: frame, key }).messages);
    messages.push(...runSession(a.slice(0, 10), b.slice(0, 12), { frameSizeLimit: frame, key }).messages);
  }
  return { a, b, messages };
}

/**
 * Feeds the bytes to a fresh responder and to an initiator mid-session: each either throws a
 * ReconcileError or returns a valid reply. Returns how many of the two accepted the bytes.
 */
function feed(bytes: Uint8Array, stores: { sa: SortedVectorStorage; sb: SortedVectorStorage }): number {
  let accepted = 0;
  const responder = new Reconciler(stores.sb, { frameSizeLimit: FRAME, key });
  const initiator = new Reconciler(stores.sa, { frameSizeLimit: FRAME, key });
  initiator.initiate();
  for (const r of [responder, initiator]) {
    try {
      const res = r.reconcile(bytes);
      if (r === responder) {
        expect(res.reply).not.toBeNull();
        expect(res.have.length + res.need.length).toBe(0);
      }
      if (res.reply) {
        expect(res.reply.length).toBeLessThanOrEqual(FRAME);
        expect(res.reply[0]).toBe(PROTOCOL_VERSION);
      }
      for (const id of [...res.have, ...res.need]) expect(id.length).toBe(16);
      accepted++;
    } catch (e) {
      if (!(e instanceof ReconcileError)) throw e;
    }
  }
  return accepted;
}

describe('Reconciler fuzz (untrusted input)', () => {
  const { a, b, messages } = corpus();
  const stores = { sa: new SortedVectorStorage(a), sb: new SortedVectorStorage(b) };

  it('mutated real messages: truncated, bit-flipped, spliced, with inserted or deleted bytes', () => {
    const rand = prng(seed);
    const pick = (n: number): number => Math.floor(rand() * n);
    let accepted = 0;
    const cases = 3000;
    for (let c = 0; c < cases; c++) {
      const base = messages[pick(messages.length)]!;
      let m: Uint8Array = base.slice();
      const ops = 1 + pick(3);
      for (let k = 0; k < ops; k++) {
        switch (pick(6)) {
          case 0: // truncate
            m = m.slice(0, pick(m.length + 1));
            break;
          case 1: // flip bits
            for (let j = 0; j < 1 + pick(4) && m.length > 0; j++) m[pick(m.length)]! ^= 1 << pick(8);
            break;
          case 2: {
            // insert random bytes
            const at = pick(m.length + 1);
            const ins = Uint8Array.from({ length: 1 + pick(20) }, () => pick(256));
            m = Uint8Array.from([...m.slice(0, at), ...ins, ...m.slice(at)]);
            break;
          }
          case 3: {
            // delete a run
            const at = pick(m.length + 1);
            m = Uint8Array.from([...m.slice(0, at), ...m.slice(at + 1 + pick(20))]);
            break;
          }
          case 4: {
            // splice with another message
            const other = messages[pick(messages.length)]!;
            m = Uint8Array.from([...m.slice(0, pick(m.length + 1)), ...other.slice(pick(other.length + 1))]);
            break;
          }
          default: // set a byte to an extreme value
            if (m.length > 0) m[pick(m.length)] = [0, 0x7f, 0x80, 0xff][pick(4)]!;
        }
      }
      accepted += feed(m, stores);
    }
    // a good share of the mutants must get past decoding, or the fuzz would only test the parser
    expect(accepted).toBeGreaterThan(cases / 10);
  });

  it('random bytes (with and without a valid version byte)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 400 }), (versioned, body) => {
        const m = versioned ? Uint8Array.from([PROTOCOL_VERSION, ...body]) : body;
        feed(m, stores);
      }),
      { seed, verbose: 1, numRuns: 2000 },
    );
  });

  it('hostile lengths fail fast without large allocations', () => {
    const huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]; // a ~2^52 varint
    for (const m of [
      [PROTOCOL_VERSION, 0, 2, ...huge], // IdList claiming 2^52 ids
      [PROTOCOL_VERSION, 0, 3, 0, ...huge], // IdDiff bitmap of 2^52 bits
      [PROTOCOL_VERSION, ...huge, 1], // timestamp delta near 2^53
      [PROTOCOL_VERSION, ...huge, ...huge, 1], // overflowing timestamp sum
    ]) {
      expect(() => new Reconciler(stores.sb, { key }).reconcile(Uint8Array.from(m))).toThrow(ReconcileError);
    }
  });
});
