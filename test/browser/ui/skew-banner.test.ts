import '../../../src/ui/skew-banner';
import type { AcceptClockDetail, SkewLimitDetail } from '../../../src/ui/skew-banner';
import type { NodeId } from '../../../src/core/ids';
import { equal, includes, ok } from './assert';
import { afterEach, describe, it } from './mocha';

describe('<lm-skew-banner>', () => {
  afterEach(() => {
    for (const el of document.querySelectorAll('lm-skew-banner')) el.remove();
  });

  it('shows nothing while no write is held', async () => {
    const banner = document.createElement('lm-skew-banner');
    banner.held = [];
    document.body.append(banner);
    await banner.updateComplete;
    equal(banner.shadowRoot!.querySelectorAll('[data-testid="skew-held"]').length, 0);
  });

  it("reports a peer's clock skew and lets the operator accept its clock", async () => {
    const banner = document.createElement('lm-skew-banner');
    const author = '0123456789abcdef0123456789abcdef' as NodeId;
    banner.held = [{ author, skewMs: 300_000, count: 12 }];
    document.body.append(banner);
    await banner.updateComplete;
    const row = banner.shadowRoot!.querySelector('[data-testid="skew-held"]');
    ok(row !== null, 'a held-writes row is shown');
    includes(row.textContent, '5 min ahead');
    includes(row.textContent, '12 writes held');
    let accepted: AcceptClockDetail | undefined;
    banner.addEventListener('accept-clock', (e) => (accepted = e.detail));
    row.querySelector('button')!.click();
    equal(accepted?.author, author);
  });

  it('offers to raise the skew limit to cover a lead the setting allows, and not beyond it', async () => {
    const banner = document.createElement('lm-skew-banner');
    banner.held = [
      { author: 'a'.repeat(32) as NodeId, skewMs: 250_000, count: 1 },
      { author: 'b'.repeat(32) as NodeId, skewMs: 5 * 3_600_000, count: 1 },
    ];
    banner.limitMs = 60_000;
    document.body.append(banner);
    await banner.updateComplete;
    const rows = banner.shadowRoot!.querySelectorAll('[data-testid="skew-held"]');
    includes(rows[0]!.textContent, '(limit 60 s)');
    let asked: SkewLimitDetail | undefined;
    banner.addEventListener('set-skew-limit', (e) => (asked = e.detail));
    const raise = rows[0]!.querySelector<HTMLButtonElement>('[data-testid="raise-limit"]');
    ok(raise !== null, 'a raise-the-limit button for a 4 min lead');
    includes(raise.textContent, '5 min');
    raise.click();
    equal(asked?.ms, 300_000);
    equal(rows[1]!.querySelector('[data-testid="raise-limit"]'), null);
  });
});
