import '../../../src/ui/skew-banner';
import type { AcceptClockDetail } from '../../../src/ui/skew-banner';
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
});
