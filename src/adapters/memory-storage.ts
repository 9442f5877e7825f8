import type { JsonValue } from '../core/entity/component-types';
import type { Version } from '../core/merge/version';
import {
  StorageFullError,
  versionKey,
  type EntityMeta,
  type HeldRecord,
  type StorageBatch,
  type StoragePort,
} from '../ports/storage';

/** What survives a MemoryStorage "reopen": hand the same backing to a new instance. */
export interface MemoryBacking {
  readonly versions: Map<string, Version>;
  readonly meta: Map<string, JsonValue>;
  readonly entities: Map<string, EntityMeta>;
  readonly held: Map<string, HeldRecord>;
  /** Approximate bytes held, kept up to date only when a quota is set. */
  bytes: number;
}

export interface MemoryStorageOptions {
  readonly backing?: MemoryBacking;
  /** Commits that would grow the data past this many bytes (approximated by JSON length) fail with StorageFullError. */
  readonly quotaBytes?: number;
}

export function createMemoryBacking(): MemoryBacking {
  return { versions: new Map(), meta: new Map(), entities: new Map(), held: new Map(), bytes: 0 };
}

/**
 * StoragePort over Maps, for Node tests and as a fallback when IndexedDB is unavailable. Data is
 * structured-cloned in and out so callers can never mutate what is stored (as with IndexedDB), and
 * a commit is staged completely before anything is applied, so a failing commit applies nothing.
 */
export class MemoryStorage implements StoragePort {
  readonly backing: MemoryBacking;
  private readonly quotaBytes: number | undefined;
  private closed = false;
  private failure: Error | undefined;

  constructor(options: MemoryStorageOptions = {}) {
    this.backing = options.backing ?? createMemoryBacking();
    this.quotaBytes = options.quotaBytes;
  }

  /** A new instance over the same backing: what reopening a database is for IndexedDB. */
  reopen(): MemoryStorage {
    return new MemoryStorage({ backing: this.backing, quotaBytes: this.quotaBytes });
  }

  /** Test hook: the next commit rejects with `error` and applies nothing. */
  failNextCommit(error: Error): void {
    this.failure = error;
  }

  async loadVersions(): Promise<Version[]> {
    this.assertOpen('loadVersions');
    return structuredClone([...this.backing.versions.values()]);
  }

  async loadEntityMeta(): Promise<EntityMeta[]> {
    this.assertOpen('loadEntityMeta');
    return structuredClone([...this.backing.entities.values()]);
  }

  async loadHeld(): Promise<HeldRecord[]> {
    this.assertOpen('loadHeld');
    return structuredClone([...this.backing.held.values()]);
  }

  async getMeta(key: string): Promise<JsonValue | undefined> {
    this.assertOpen('getMeta');
    const value = this.backing.meta.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async commit(batch: StorageBatch): Promise<void> {
    this.assertOpen('commit');
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      throw failure;
    }
    // Stage: clone everything first, so an uncloneable value (DataCloneError) fails before any change.
    // The versions in one call: each call costs a serializer's setup, which cloning version by
    // version paid a few microseconds a version for (most of a writeMany under the profiler).
    const copies = structuredClone(batch.put);
    const puts = batch.put.map((v, i) => [versionKey(v), copies[i]!] as const);
    const meta = Object.entries(structuredClone(batch.meta ?? {}));
    const entities = structuredClone(batch.entityMeta ?? []);
    const held = structuredClone(batch.hold ?? []);
    if (this.quotaBytes !== undefined) this.checkQuota(puts, batch.remove, meta, entities);
    // Apply: nothing below can throw. Puts before removes, as in the IndexedDB adapter.
    const { versions } = this.backing;
    for (const [key, v] of puts) versions.set(key, v);
    for (const key of batch.remove) versions.delete(key);
    for (const [key, value] of meta) this.backing.meta.set(key, value);
    for (const e of entities) this.backing.entities.set(e.id, e);
    for (const h of held) this.backing.held.set(h.key, h);
    for (const key of batch.unhold ?? []) this.backing.held.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkQuota(
    puts: readonly (readonly [string, Version])[],
    remove: readonly string[],
    meta: readonly [string, JsonValue][],
    entities: readonly EntityMeta[],
  ): void {
    const { versions, meta: stored } = this.backing;
    // The size each touched key will have after the batch (puts apply before removes).
    const after = new Map<string, number>();
    for (const [key, v] of puts) after.set(key, versionBytes(key, v));
    for (const key of remove) after.set(key, 0);
    let bytes = this.backing.bytes;
    for (const [key, size] of after) bytes += size - sizeOf(versions.get(key), key);
    for (const [key, value] of meta) {
      const old = stored.get(key);
      bytes += JSON.stringify(value).length - (old === undefined ? -key.length : JSON.stringify(old).length);
    }
    for (const e of entities) {
      const old = this.backing.entities.get(e.id);
      bytes += JSON.stringify(e).length - (old === undefined ? 0 : JSON.stringify(old).length);
    }
    const quota = this.quotaBytes ?? Infinity;
    if (bytes > quota) {
      throw new StorageFullError(
        `memory storage quota exceeded: the commit needs about ${bytes} bytes, the quota is ${quota} bytes`,
      );
    }
    this.backing.bytes = bytes;
  }

  private assertOpen(op: string): void {
    if (this.closed) throw new Error(`memory storage is closed: ${op} is not possible after close()`);
  }
}

function sizeOf(v: Version | undefined, key: string): number {
  return v === undefined ? 0 : versionBytes(key, v);
}

/** Approximate stored size: key plus JSON of the version, with the signature counted as raw bytes. */
function versionBytes(key: string, v: Version): number {
  const { sig, ...rest } = v;
  return key.length + JSON.stringify(rest).length + (sig?.byteLength ?? 0);
}
