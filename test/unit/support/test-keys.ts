import fc from 'fast-check';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { Timestamp } from '../../../src/core/clock/timestamp';
import type { NodeId } from '../../../src/core/ids';
import type { Version } from '../../../src/core/merge/version';
import { linkProofBytes, type LinkProofFields } from '../../../src/core/signing/link-proof';
import { versionSigningBytes } from '../../../src/core/signing/version-signing';
import { MessageType, type ProofMessage } from '../../../src/core/sync';
import type { LatticeNode } from '../../../src/node/lattice-node';
import { MeshSecurity } from '../../../src/node/security/mesh-security';
import type { RegisterLimits } from '../../../src/node/security/new-entity-limit';
import type { SignatureVerifier } from '../../../src/ports/signature-verifier';
import type { Signer } from '../../../src/ports/signer';

/** A test node's identity: an Ed25519 key derived from a name, and the node id derived from the key. */
export interface TestIdentity {
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
  readonly signer: Signer;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const cache = new Map<string, TestIdentity>();
/** Every test identity made so far, by its key (hex), for syncVerifier('named'). */
const names = new Map<string, NodeId>();

/** The same name gives the same key in every run, so fixtures can name nodes ('nodeA') and get real ids. */
export function testIdentity(name: string): TestIdentity {
  let identity = cache.get(name);
  if (identity !== undefined) return identity;
  const seed = createHash('sha256').update(`test key ${name}`).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const jwk = privateKey.export({ format: 'jwk' });
  const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  const id = createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex') as NodeId;
  identity = {
    id,
    publicKey,
    privateKey,
    signer: { publicKey, sign: (bytes) => Promise.resolve(new Uint8Array(sign(null, bytes, privateKey))) },
  };
  cache.set(name, identity);
  names.set(Buffer.from(publicKey).toString('hex'), name as NodeId);
  return identity;
}

/** The node id of the named test node. */
export const idOf = (name: string): NodeId => testIdentity(name).id;

/**
 * Ed25519 verification with Node's synchronous `crypto.verify` (real signatures, checked for
 * real), for the in-memory mesh simulations, whose virtual clock runs in one synchronous loop that
 * no WebCrypto promise could settle inside.
 *
 * `named`: the key of a test identity stands for its name ('a', 'b') instead of its real id, for
 * simulations whose nodes go by readable names. This is the one thing it changes against
 * production, where the id is the key's hash (checked with the real derivation in
 * test/unit/node/security): which id a key is filed under. Any other key stands only for its hash,
 * and a name is still bound to one key only, so a node cannot pass its key off as another's name.
 */
export function syncVerifier(mode: 'named' | 'hashed' = 'hashed'): SignatureVerifier {
  const keys = new Map<string, KeyObject>();
  return {
    verify(publicKey, bytes, sig) {
      if (publicKey.length !== 32 || sig.length !== 64) return false;
      const hex = Buffer.from(publicKey).toString('hex');
      let key = keys.get(hex);
      try {
        key ??= createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
          format: 'jwk',
        });
        keys.set(hex, key);
        return verify(null, bytes, key, sig);
      } catch {
        return false;
      }
    },
    nodeIdOf(publicKey) {
      const named = mode === 'named' ? names.get(Buffer.from(publicKey).toString('hex')) : undefined;
      return named ?? (createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('hex') as NodeId);
    },
  };
}

/** Signs a version with a test identity at once (Node's synchronous `crypto.sign`). */
export function signNow(identity: TestIdentity, v: Version): Version {
  const { sig: _old, ...unsigned } = v;
  return { ...unsigned, sig: new Uint8Array(sign(null, versionSigningBytes(unsigned), identity.privateKey)) };
}

/**
 * The test identity's key signing at once (Node's synchronous `crypto.sign`): the simulations'
 * handshake proofs are signed inside their synchronous virtual-clock loop (see Signer.sign).
 */
export function syncSigner(identity: TestIdentity): Signer {
  return { publicKey: identity.publicKey, sign: (bytes) => new Uint8Array(sign(null, bytes, identity.privateKey)) };
}

/** A MeshNode's security for the named test node, its key standing for `name` ('named') or its hash. */
export async function testSecurity(
  name: string,
  now: () => number,
  mode: 'named' | 'hashed' = 'named',
  log?: (message: string, detail?: unknown) => void,
  node?: LatticeNode,
  registerLimits?: RegisterLimits,
): Promise<MeshSecurity> {
  const identity = testIdentity(name);
  return await MeshSecurity.create({
    self: mode === 'named' ? (name as NodeId) : identity.id,
    publicKey: identity.publicKey,
    crypto: syncVerifier(mode),
    signer: syncSigner(identity),
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    now,
    ...(log === undefined ? {} : { log }),
    ...(node === undefined
      ? {}
      : { stored: await node.authorKeys(), save: (keys: readonly Uint8Array[]) => node.saveAuthorKeys(keys) }),
    ...(registerLimits === undefined ? {} : { registerLimits }),
  });
}

/** A handshake `proof` signed at once by the named test identity (core/signing/link-proof.ts). */
export function signedProof(name: string, fields: LinkProofFields): ProofMessage {
  const sig = new Uint8Array(sign(null, linkProofBytes(fields), testIdentity(name).privateKey));
  return {
    type: MessageType.Proof,
    sig,
    ...(fields.invitation === undefined ? {} : { invitation: fields.invitation }),
  };
}

/**
 * fast-check parameters for the signing suites' properties: one seed per run (SEED=, else the
 * clock), printed with the suite and property names so a failure can be replayed, and NUM_RUNS
 * runs (else `runs`).
 */
export function seededParams(suite: string, runs: number): (name: string) => fc.Parameters<unknown> {
  const seed = Number(process.env.SEED ?? Date.now());
  const numRuns = Number(process.env.NUM_RUNS ?? runs);
  return (name) => {
    console.log(`${suite} seed ${seed} (${name}); replay with SEED=${seed}`);
    return { seed, numRuns };
  };
}

/** A version clock by one of `nodes`: ms anywhere in the format's range, counters up to `maxCounter`. */
export function timestampOf(nodes: fc.Arbitrary<NodeId>, maxCounter: number): fc.Arbitrary<Timestamp> {
  return fc.record({
    ms: fc.integer({ min: 0, max: 2 ** 47 }),
    c: fc.integer({ min: 0, max: maxCounter }),
    node: nodes,
  });
}
