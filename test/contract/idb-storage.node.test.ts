import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteIdbStorage, openIdbStorage, type IdbStorage } from '../../src/adapters/idb';
import { toStorageError } from '../../src/adapters/idb/errors';
import { resolveLog } from '../../src/adapters/idb/resolve';
import { encodeSegments } from '../../src/adapters/idb/segment';
import type { ComponentKind, EntityId, NodeId } from '../../src/core/ids';
import type { Version } from '../../src/core/merge/version';
import { StorageFullError, versionKey } from '../../src/ports/storage';
import { runIdbStorageExtras } from './idb-storage-extras';
import { runStorageContract, sampleVersion } from './storage-contract';

let counter = 0;

async function idbFixture() {
  const name = `contract-${++counter}`;
  const opened: IdbStorage[] = [];
  const open = async () => {
    const s = await openIdbStorage(name);
    opened.push(s);
    return s;
  };
  return {
    storage: await open(),
    reopen: open,
    teardown: async () => {
      for (const s of opened) await s.close();
      await deleteIdbStorage(name);
    },
  };
}

runStorageContract('IdbStorage (fake-indexeddb)', idbFixture, { describe, it, expect });

describe('IdbStorage error mapping', () => {
  it('turns a QuotaExceededError into StorageFullError', () => {
    const error = toStorageError(new DOMException('quota', 'QuotaExceededError'), 'committing');
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error.message).toMatch(/quota/);
  });

  it('keeps the name and cause of any other failure', () => {
    const cause = new DOMException('boom', 'UnknownError');
    const error = toStorageError(cause, 'committing');
    expect(error).not.toBeInstanceOf(StorageFullError);
    expect(error.message).toBe('committing failed: UnknownError: boom');
    expect(error.cause).toBe(cause);
  });
});

runIdbStorageExtras(() => `extra-${++counter}`, { describe, it, expect });

describe('IdbStorage log resolution', () => {
  // Keys that differ in one part only; with a hash that always collides, the fields decide alone.
  const base = sampleVersion(4);
  const near: Version[] = [
    base,
    { ...base, ts: { ...base.ts, c: base.ts.c + 1 } },
    { ...base, ts: { ...base.ts, ms: base.ts.ms + 1 } },
    { ...base, ts: { ...base.ts, node: 'nodeA2' as NodeId } },
    { ...base, kind: 'threat' as ComponentKind },
    { ...base, entity: 'track-10' as EntityId },
  ];

  for (const [label, hash] of [
    ['its own hash', undefined],
    ['a hash that always collides', () => 7],
  ] as const) {
    it(`tells keys apart by every part, with ${label}`, () => {
      for (let drop = 0; drop < near.length; drop++) {
        // A prefix (removals settle puts) and a tail (removals are passed on); puts again, duplicated.
        const segments = [
          ...encodeSegments(near, []),
          ...encodeSegments([near[drop]!], [versionKey(near[drop]!)]),
          ...encodeSegments(near.slice(0, 2), []),
        ];
        const whole = resolveLog(segments, true, hash);
        const expected = near.filter((_, i) => i !== drop || drop < 2).length;
        expect(whole.live).toBe(expected);
        expect(whole.removals).toEqual([]);
        const tail = resolveLog(segments.slice(1), false, hash);
        expect(tail.removals).toEqual(drop < 2 ? [] : [0, 0]);
      }
    });
  }
});
