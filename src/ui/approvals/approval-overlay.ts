import { LitElement, css, html, type PropertyValues } from 'lit';
import type { ApprovalClient } from './approval-client';
import type { DecisionArg } from '../../node/approval-args';
import type { ApprovalView } from '../../node/approval-views';
import { ApprovalFeed } from './approval-feed';
import './approval-events';
import './approval-prompt';

/**
 * The approval prompt on a node: reads the node's requests and tasks (ApprovalFeed) and answers
 * through its `decide`. What the app shell mounts; the prompt itself only renders what it is given.
 */
export class ApprovalOverlay extends LitElement {
  static override properties = { client: { attribute: false }, readOnly: { attribute: false } };
  declare client: ApprovalClient | undefined;
  /** Why this device cannot answer (removed from its lattice: removed-banner.ts): the cards' buttons are off. */
  declare readOnly: string | undefined;
  private readonly feed = new ApprovalFeed(this);
  private announced: readonly ApprovalView[] | undefined;

  static override styles = css`
    :host {
      display: contents;
    }
  `;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.feed.setClient(this.client);
  }

  private readonly decide = async (entityId: string, decision: DecisionArg, requestId: string): Promise<void> => {
    const client = this.client;
    if (client === undefined) throw new Error('no node to decide on');
    // Naming the request makes the node refuse the answer if a newer request replaced it meanwhile.
    await client.decide(entityId, decision, requestId);
    this.feed.refresh();
  };

  /** Tells the page which tracks have a pending request when the feed's list changed (the map marks them). */
  protected override updated(): void {
    const approvals = this.feed.approvals;
    if (approvals === this.announced) return;
    this.announced = approvals;
    const ids = new Set(approvals.filter((a) => a.state === 'pending').map((a) => a.entityId));
    this.dispatchEvent(new CustomEvent('approvals-pending', { detail: { ids }, bubbles: true, composed: true }));
  }

  protected override render(): unknown {
    return html`<lm-approval-prompt
      .approvals=${this.feed.approvals}
      .tasks=${this.feed.tasks}
      .decide=${this.decide}
      .unavailable=${this.feed.error}
      .readOnly=${this.readOnly}
    ></lm-approval-prompt>`;
  }
}

if (!customElements.get('lm-approvals')) customElements.define('lm-approvals', ApprovalOverlay);

declare global {
  interface HTMLElementTagNameMap {
    'lm-approvals': ApprovalOverlay;
  }
}
