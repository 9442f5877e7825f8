import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../../../src/core/ids';
import {
  DEFAULT_INVITATION_TTL_MS,
  MAX_OPEN_INVITATIONS,
  emptyLedger,
  issueInvitation,
  openInvitations,
  redeemInvitation,
  releaseInvitation,
  type InvitationLedger,
} from '../../../../src/core/roster/invitation-ledger';
import { ledgerFromJson, ledgerToJson } from '../../../../src/node/roster/ledger-record';
import {
  decodeToken,
  encodeToken,
  invitationUrl,
  MAX_TOKEN_CHARS,
  parseInvitation,
  type InvitationToken,
} from '../../../../src/core/roster/invitation-token';

const INVITER = '0123456789abcdef0123456789abcdef' as NodeId;
const JOINER = 'fedcba9876543210fedcba9876543210' as NodeId;
const T0 = 1_800_000_000_000;

/** Deterministic "random" bytes: a counter, so each issued nonce differs. */
function counterBytes(start = 0): (n: number) => Uint8Array {
  let k = start;
  return (n) => Uint8Array.from({ length: n }, (_, i) => (k * 31 + i) & 0xff, k++);
}

function issued(ttlMs?: number): { ledger: InvitationLedger; token: InvitationToken } {
  const result = issueInvitation(emptyLedger(INVITER, 'alpha'), {
    now: T0,
    randomBytes: counterBytes(),
    ownerIsMember: true,
    ...(ttlMs === undefined ? {} : { ttlMs }),
  });
  if (!result.ok) throw new Error(result.reason);
  return result;
}

const redeem = (ledger: InvitationLedger, text: string, now = T0 + 1000, ownerIsMember = true) =>
  redeemInvitation(ledger, parseInvitation(text), { now, redeemer: JOINER, ownerIsMember });

describe('invitation tokens', () => {
  it('encode as URL-safe text and decode to the same token', () => {
    const nonce = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        nonce,
        (lattice, inviter, seconds, n) => {
          const token = { lattice, inviter: inviter as NodeId, expiresAt: seconds * 1000, nonce: n };
          const text = encodeToken(token);
          expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeToken(text)).toEqual(token);
        },
      ),
    );
  });

  it('name the inviter’s founding (version 2) within the token length, and decode older tokens alike', () => {
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/),
        hex,
        hex,
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (lattice, inviter, founder, seq, seconds) => {
          const token = {
            lattice,
            inviter: inviter as NodeId,
            expiresAt: seconds * 1000,
            nonce: 'AAECAwQFBgcICQoLDA0ODw',
            anchor: `${founder}:${seq}`,
          };
          const text = encodeToken(token);
          expect(text.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
          expect(decodeToken(text)).toEqual(token);
          // Without an anchor the token is version 1, byte for byte as before.
          const { anchor: _anchor, ...older } = token;
          expect(Buffer.from(encodeToken(older), 'base64url')[0]).toBe(1);
          expect(decodeToken(encodeToken(older))).toEqual(older);
        },
      ),
    );
    // An anchor that names no founding op is not a token.
    const bad = encodeToken({
      lattice: 'alpha',
      inviter: INVITER,
      expiresAt: T0,
      nonce: 'AAECAwQFBgcICQoLDA0ODw',
      anchor: 'x',
    });
    expect(decodeToken(bad)).toBe(undefined);
    const issuedWith = issueInvitation(emptyLedger(INVITER, 'alpha'), {
      now: T0,
      randomBytes: counterBytes(),
      ownerIsMember: true,
      anchor: `${JOINER}:1`,
    });
    expect(issuedWith.ok && decodeToken(encodeToken(issuedWith.token))?.anchor).toBe(`${JOINER}:1`);
  });

  it('make a link ?lattice=NAME&invite=TOKEN that parses back, and refuse an edited one', () => {
    const { token } = issued();
    const url = invitationUrl('https://field.example/app/?lattice=old&x=1', token);
    expect(url).toBe(`https://field.example/app/?lattice=alpha&invite=${encodeToken(token)}`);
    expect(parseInvitation(url)).toEqual(token);
    expect(parseInvitation(`  ${encodeToken(token)}\n`)).toEqual(token);
    expect(parseInvitation(url.replace('lattice=alpha', 'lattice=beta'))).toBe(undefined);
    expect(parseInvitation('not a token')).toBe(undefined);
    expect(decodeToken(encodeToken(token).slice(0, 30))).toBe(undefined);
  });
});

describe('invitation ledger', () => {
  it('admits once, then refuses the same token as used', () => {
    const { ledger, token } = issued();
    expect(token.expiresAt).toBe(T0 + DEFAULT_INVITATION_TTL_MS);
    const first = redeem(ledger, encodeToken(token));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const again = redeem(first.ledger, encodeToken(token));
    expect(again).toMatchObject({ ok: false, reason: 'used' });
    expect(!again.ok && again.message).toMatch(/already used .*ask for a new one/);
    expect(openInvitations(first.ledger, T0)).toEqual([]);
  });

  it('admits a removed redeemer only with a token issued once the owner’s clock had reached the removal', () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' as NodeId;
    const removal = { ms: T0 + 500, c: 3, node: other };
    const issueAt = (stamp?: { ms: number; c: number; node: NodeId }) => {
      const r = issueInvitation(emptyLedger(INVITER, 'alpha'), {
        now: T0,
        randomBytes: counterBytes(),
        ownerIsMember: true,
        ...(stamp === undefined ? {} : { stamp }),
      });
      if (!r.ok) throw new Error(r.reason);
      return r;
    };
    const asRemoved = (r: { ledger: InvitationLedger; token: InvitationToken }) =>
      redeemInvitation(r.ledger, r.token, {
        now: T0 + 1000,
        redeemer: JOINER,
        ownerIsMember: true,
        removedAt: removal,
      });
    // The clock had merged the removal: same time and counter, under the owner's id.
    expect(asRemoved(issueAt({ ms: T0 + 500, c: 3, node: INVITER })).ok).toBe(true);
    expect(asRemoved(issueAt({ ms: T0 + 501, c: 0, node: INVITER })).ok).toBe(true);
    for (const before of [{ ms: T0 + 500, c: 2, node: INVITER }, { ms: T0 + 499, c: 9, node: INVITER }, undefined]) {
      const refused = asRemoved(issueAt(before));
      expect(refused).toMatchObject({ ok: false, reason: 'issued-before-removal' });
      expect(!refused.ok && refused.message).toMatch(/issued before .* was removed; a member must issue a new one/);
    }
    // A redeemer not removed is not asked about it.
    const plain = issueAt();
    expect(redeemInvitation(plain.ledger, plain.token, { now: T0, redeemer: JOINER, ownerIsMember: true }).ok).toBe(
      true,
    );
    // The issue time survives storage, a use and its release.
    const kept = issueAt({ ms: T0 + 600, c: 0, node: INVITER });
    const stored = ledgerFromJson(JSON.parse(JSON.stringify(ledgerToJson(kept.ledger))), INVITER, 'alpha');
    expect(stored.issued.get(kept.token.nonce)?.issuedAt).toEqual({ ms: T0 + 600, c: 0, node: INVITER });
    const used = asRemoved({ ledger: stored, token: kept.token });
    if (!used.ok) throw new Error(used.message);
    const released = releaseInvitation(used.ledger, kept.token);
    expect(released.issued.get(kept.token.nonce)).toEqual({
      token: kept.token,
      issuedAt: { ms: T0 + 600, c: 0, node: INVITER },
    });
    expect(asRemoved({ ledger: released, token: kept.token }).ok).toBe(true);
  });

  it('refuses an expired token with a clear reason, even once the ledger has forgotten it', () => {
    const { ledger, token } = issued(60_000);
    expect(redeem(ledger, encodeToken(token), T0 + 59_000).ok).toBe(true);
    const late = redeem(ledger, encodeToken(token), T0 + 60_000);
    expect(late).toMatchObject({ ok: false, reason: 'expired' });
    expect(!late.ok && late.message).toMatch(/expired .* ago/);
    // Issuing later prunes expired entries; the old token is still refused as expired.
    const later = issueInvitation(ledger, {
      now: T0 + 120_000,
      randomBytes: counterBytes(100),
      ownerIsMember: true,
    });
    expect(later.ok && later.ledger.issued.has(token.nonce)).toBe(false);
    if (later.ok) expect(redeem(later.ledger, encodeToken(token), T0 + 120_000)).toMatchObject({ reason: 'expired' });
  });

  it('a token naming no founding is refused while another founding admits the inviter', () => {
    const { ledger, token } = issued();
    const v1 = decodeToken(encodeToken(token))!;
    expect(v1.anchor).toBeUndefined();
    const input = { now: T0 + 1000, redeemer: JOINER, ownerIsMember: true };
    expect(redeemInvitation(ledger, v1, { ...input, ambiguousFounding: () => true })).toMatchObject({
      ok: false,
      reason: 'names-no-founding',
    });
    expect(redeemInvitation(ledger, v1, { ...input, ambiguousFounding: () => false }).ok).toBe(true);
    // A token naming the founding is not asked about.
    const named = { ...v1, anchor: `${INVITER}:1` };
    expect(redeemInvitation(ledger, named, { ...input, ambiguousFounding: () => true }).ok).toBe(true);
  });

  it('is bound to the inviting member: another member’s ledger refuses it, and it dies with the inviter', () => {
    const { ledger, token } = issued();
    const other = emptyLedger(JOINER, 'alpha');
    expect(redeem(other, encodeToken(token))).toMatchObject({ ok: false, reason: 'wrong-inviter' });
    expect(redeem(ledger, encodeToken(token), T0 + 1000, false)).toMatchObject({
      ok: false,
      reason: 'inviter-removed',
    });
    expect(issueInvitation(ledger, { now: T0, randomBytes: counterBytes(), ownerIsMember: false })).toEqual({
      ok: false,
      reason: 'not-a-member',
    });
  });

  it('refuses forged tokens: a guessed nonce, an extended expiry, another lattice, garbage', () => {
    const { ledger, token } = issued();
    const guessed = { ...token, nonce: Buffer.alloc(16, 7).toString('base64url') };
    expect(redeem(ledger, encodeToken(guessed))).toMatchObject({ reason: 'unknown' });
    const extended = { ...token, expiresAt: token.expiresAt + 3_600_000 };
    expect(redeem(ledger, encodeToken(extended))).toMatchObject({ reason: 'unknown' });
    expect(redeem(ledger, encodeToken({ ...token, lattice: 'beta' }))).toMatchObject({ reason: 'wrong-lattice' });
    expect(redeem(ledger, 'garbage!')).toMatchObject({ reason: 'malformed' });
  });

  it('bounds the open invitations of one member', () => {
    let ledger = emptyLedger(INVITER, 'alpha');
    const randomBytes = counterBytes();
    for (let i = 0; i < MAX_OPEN_INVITATIONS; i++) {
      const r = issueInvitation(ledger, { now: T0, randomBytes, ownerIsMember: true });
      if (!r.ok) throw new Error(r.reason);
      ledger = r.ledger;
    }
    expect(issueInvitation(ledger, { now: T0, randomBytes, ownerIsMember: true })).toEqual({
      ok: false,
      reason: 'too-many-open',
    });
    expect(openInvitations(ledger, T0)).toHaveLength(MAX_OPEN_INVITATIONS);
  });
});
