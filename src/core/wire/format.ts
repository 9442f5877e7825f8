/**
 * Batch layout, format version 3 (all integers little-endian; varint = unsigned LEB128):
 *
 *   u8      format version (4: each batch names its leaf form; 3: signed batches in a table; 2: approval
 *           and task carry request ids)
 *   u8      batch flags: bit1 a position base follows (bit0, once "every version signed", is refused)
 *   [2 × i32 position base: the smallest latitude and longitude of the batch, 1e-7°]
 *   varint  node count,   then each node id 6-bit packed (node-ids.ts)
 *   varint  entity count, then the entity ids in sorted order, each front-coded against the
 *           previous one: varint shared-prefix length, varint suffix length, suffix bytes (ASCII)
 *   varint  string count, then each string as varint UTF-8 length + bytes
 *           (labels, sensor ids, task names, request ids and reasons, unknown kind names: written
 *           once, used by index)
 *   varint  version count
 *   varint  signed-batch count, then per batch (batch-table.ts, docs/security.md "One signature per batch"):
 *           varint author node index, u8 leaf form (signing/leaf-form.ts), varint leaf count, 64 bytes
 *           signature over the batch root,
 *           varint versions of it in this frame (k); if k < leaf count, the k leaf indices as gaps
 *           (varint index - previous - 1) and then the multiproof's 32-byte hashes (as many as
 *           the indices call for, merkle.ts proofPositions)
 *   then each version (batch 0's k in leaf order, batch 1's, ..., then versions under no batch):
 *     u8    header: bits 0-3 kind tag (11: an expiry carrying a floor), bits 4-5 entity mode, bits 6-7 clock mode
 *     [u8]  extras (clock mode EXTENDED): bit0 has seen, bit1 has signature, bit2 same clock
 *     [varint entity index]  (entity mode INDEX; SAME: the previous version's, NEXT: the table entry after it)
 *     [varint node index, varint zigzag(ms - previous ms) * 2 + (c ≠ 0), [varint c]]  (new clock)
 *     [varint seen count, then per entry: varint node index, varint zigzag(ms - version ms), varint c]
 *     [64 bytes per-version signature: outside batches only]
 *     value bytes, per kind (value-codec.ts, position-codec.ts, opaque-codec.ts)
 *
 * A moving track's update (position + velocity, one clock) in a batch of 1,000 costs ~24 bytes:
 * see docs/benchmarks.md, scenario 2.
 */
export const FORMAT_VERSION = 4;

export const BATCH_POSITION_BASE = 0x02;

export const TAG_DELETED = 0;
export const TAG_POSITION = 1;
export const TAG_VELOCITY = 2;
export const TAG_CLASSIFICATION = 3;
export const TAG_THREAT = 4;
export const TAG_SOURCE = 5;
export const TAG_FUSION = 6;
export const TAG_APPROVAL = 7;
export const TAG_TASK = 8;
export const TAG_EXPIRY = 9;
export const TAG_UNKNOWN = 10;
/**
 * An expiry that carries a floor (core/entity/component-types.ts, Expiry.floor): its `at`, then its
 * floor, each as an epoch field. TAG_EXPIRY carries none, so records and frames written before
 * floors were carried decode unchanged.
 */
export const TAG_EXPIRY_FLOOR = 11;

/** Entity mode: the same entity as the previous version (most multi-component writes). */
export const ENTITY_SAME = 0;
/** The entity after the previous version's in the (sorted) table: free for batches sorted by entity. */
export const ENTITY_NEXT = 1;
/** An explicit varint index into the entity table. */
export const ENTITY_INDEX = 2;

/** Clock mode: the same timestamp as the previous version, no seen, no per-version signature flag. */
export const CLOCK_SAME = 0;
export const CLOCK_NEW = 1;
/** An extras byte follows the header (seen entries, a per-version signature). */
export const CLOCK_EXTENDED = 2;

export const EXTRA_SEEN = 0x01;
export const EXTRA_SIG = 0x02;
export const EXTRA_SAME_CLOCK = 0x04;

export const SIG_BYTES = 64;
/** HLC physical time has 48 bits (clock/timestamp.ts). */
export const MAX_MS = 2 ** 48 - 1;
