import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bound, Item } from '../../../../src/core/reconcile';
import {
  INFINITE_BOUND,
  Mode,
  ReconcileError,
  Reconciler,
  SortedVectorStorage,
  UNSESSIONED_FINGERPRINT_KEY,
} from '../../../../src/core/reconcile';
import { MessageEncoder } from '../../../../src/core/reconcile/message';
import { encodeSymbols, SYMBOL_BYTES, writeSymbols } from '../../../../src/core/reconcile/rateless';
import { MAX_HELD_SYMBOLS } from '../../../../src/core/reconcile/symbol-ranges';
import { hex, makeItems, prng, randomId } from './helpers';

/**
 * A peer that speaks the protocol but lies: well-formed messages with made-up counts, fingerprints,
 * ids and coded symbols. Whatever it sends, the honest side answers within the frame, holds at most
 * MAX_HELD_SYMBOLS symbols, reports or pushes only items it holds, and is made to ask for at most one
 * id per 16 bytes the liar sent.
 */
const seed = Number(process.env.SEED ?? Date.now());
console.log(`reconcile hostile peers: seed ${seed} (replay with SEED=${seed})`);

const FRAME = 8192;
/** Outside a sync session: the public test key, by name (a Reconciler has no default). */
const key = UNSESSIONED_FINGERPRINT_KEY;
const RESPONDER_MODES = [Mode.Skip, Mode.Fingerprint, Mode.IdList, Mode.IdDiff, Mode.Extra, Mode.Pushed, Mode.Symbols];
const INITIATOR_MODES = [Mode.Skip, Mode.Fingerprint, Mode.IdList, Mode.SymbolRequest];

/** A well-formed message of random ranges; ids are drawn from `known` (half the time) or made up. */
function lie(rand: () => number, modes: readonly Mode[], known: Item[], base: number): Uint8Array {
  const pick = (n: number): number => Math.floor(rand() * n);
  const id = (): Uint8Array => (known.length > 0 && rand() < 0.5 ? known[pick(known.length)]!.id : randomId(rand));
  const enc = new MessageEncoder();
  const ranges = 1 + pick(12);
  let ts = base;
  for (let k = 0; k < ranges && enc.length < FRAME - 2000; k++) {
    ts += 1 + pick(2000);
    const upper: Bound = k === ranges - 1 && rand() < 0.5 ? INFINITE_BOUND : { ts, prefix: new Uint8Array(0) };
    const mode = modes[pick(modes.length)]!;
    enc.range(upper, mode);
    const w = enc.w;
    switch (mode) {
      case Mode.Skip:
        break;
      case Mode.Fingerprint:
        w.writeVarUint(pick(4) === 0 ? pick(2 ** 30) : pick(200));
        w.writeBytes(randomId(rand));
        break;
      case Mode.IdList:
      case Mode.Extra:
      case Mode.IdDiff: {
        const n = pick(20);
        w.writeVarUint(n);
        for (let i = 0; i < n; i++) w.writeBytes(id());
        if (mode === Mode.IdDiff) {
          const bits = pick(40);
          w.writeVarUint(bits);
          w.writeBytes(new Uint8Array(Math.ceil(bits / 8)));
        }
        break;
      }
      case Mode.Pushed:
        w.writeVarUint(pick(2 ** 30));
        w.writeVarUint(0);
        break;
      case Mode.Symbols: {
        const n = 1 + pick(200);
        w.writeVarUint(0);
        w.writeVarUint(n);
        w.writeVarUint(pick(5000));
        w.writeBytes(randomId(rand));
        // real symbols of a made-up set (they peel into items), or noise
        const bytes = new Uint8Array(n * SYMBOL_BYTES);
        if (rand() < 0.5) {
          const fake = new SortedVectorStorage(makeItems(pick(300), pick(1e9)));
          writeSymbols(encodeSymbols(fake, 0, fake.size, 0, n), bytes, 0);
        } else for (let i = 0; i < bytes.length; i++) bytes[i] = pick(256);
        w.writeBytes(bytes);
        break;
      }
      case Mode.SymbolRequest:
        w.writeVarUint(pick(4) === 0 ? pick(30_000) : 0);
        w.writeVarUint(1 + pick(3000));
        break;
      default:
        throw new Error(`mode ${mode}`);
    }
  }
  return enc.finish();
}

describe('Reconciler against a hostile peer (well-formed lies)', () => {
  const ours = makeItems(4000, 7);
  const theirs = makeItems(300, 8);
  const storage = new SortedVectorStorage(ours);
  const held = new Set(ours.map((it) => hex(it.id)));

  it('a lying responder: the initiator stays within its bounds', () => {
    let accepted = 0;
    let peeled = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 8 }), (s, messages) => {
        const rand = prng(s);
        const initiator = new Reconciler(storage, { frameSizeLimit: FRAME, key });
        initiator.initiate();
        let bytesIn = 0;
        let needs = 0;
        const have = new Set<string>();
        for (let k = 0; k < messages; k++) {
          const m = lie(rand, RESPONDER_MODES, [...theirs, ...ours], ours[0]!.ts - 1000);
          bytesIn += m.length;
          try {
            const r = initiator.reconcile(m);
            if (r.reply !== null) expect(r.reply.length).toBeLessThanOrEqual(FRAME);
            for (const id of r.have) {
              expect(held.has(hex(id))).toBe(true); // we only ever offer what we hold...
              expect(have.has(hex(id))).toBe(false); // ...and each item once
              have.add(hex(id));
            }
            needs += r.need.length;
            expect(r.push).toEqual([]);
            accepted++;
            peeled += r.need.length;
          } catch (e) {
            if (!(e instanceof ReconcileError)) throw e;
          }
          expect(initiator.heldSymbols).toBeLessThanOrEqual(MAX_HELD_SYMBOLS);
          // each id we are made to ask for cost the liar a listed id or a coded symbol
          expect(needs).toBeLessThanOrEqual(bytesIn / 16);
        }
      }),
      { seed, numRuns: 150 },
    );
    // the lies must get past decoding, or this would only test the parser
    expect(accepted).toBeGreaterThan(50);
    expect(peeled).toBeGreaterThan(0);
  });

  it('a lying initiator: the responder answers within its reply limit and pushes only what it holds, once, within the room', () => {
    let pushes = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 8 }), (s, messages) => {
        const rand = prng(s);
        const responder = new Reconciler(storage, { frameSizeLimit: FRAME, push: true, key });
        const pushed = new Set<string>();
        for (let k = 0; k < messages; k++) {
          const m = lie(rand, INITIATOR_MODES, [...theirs, ...ours], ours[0]!.ts - 1000);
          const room = Math.floor(rand() * 600);
          const replyLimit = 4096 + Math.floor(rand() * (FRAME - 4096));
          try {
            const r = responder.reconcile(m, room, replyLimit);
            expect(r.reply).not.toBeNull();
            expect(r.reply!.length).toBeLessThanOrEqual(replyLimit);
            expect(r.have.length + r.need.length).toBe(0);
            expect(r.push.length).toBeLessThanOrEqual(room);
            for (const id of r.push) {
              expect(held.has(hex(id))).toBe(true);
              expect(pushed.has(hex(id))).toBe(false);
              pushed.add(hex(id));
            }
            pushes += r.push.length;
          } catch (e) {
            if (!(e instanceof ReconcileError)) throw e;
          }
        }
      }),
      { seed: seed + 1, numRuns: 150 },
    );
    expect(pushes).toBeGreaterThan(0);
  });

  it('a responder cannot make an initiator take more than MAX_HELD_SYMBOLS coded symbols in a session', () => {
    const initiator = new Reconciler(storage, { frameSizeLimit: 60_000, key });
    initiator.initiate();
    const rand = prng(seed + 2);
    for (let k = 0; k < 40; k++) {
      // the biggest Symbols range a frame carries, over our whole set, each time afresh
      const enc = new MessageEncoder();
      enc.range(INFINITE_BOUND, Mode.Symbols);
      const n = Math.floor((60_000 - 100) / SYMBOL_BYTES);
      enc.w.writeVarUint(0);
      enc.w.writeVarUint(n);
      enc.w.writeVarUint(ours.length + 1);
      enc.w.writeBytes(randomId(rand));
      const bytes = new Uint8Array(n * SYMBOL_BYTES);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      enc.w.writeBytes(bytes);
      initiator.reconcile(enc.finish());
      expect(initiator.heldSymbols).toBeLessThanOrEqual(MAX_HELD_SYMBOLS);
    }
    expect(initiator.heldSymbols).toBeGreaterThan(MAX_HELD_SYMBOLS - 3000);
  });
});
