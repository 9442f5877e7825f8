import { LitElement, css, html, type PropertyValues } from 'lit';
import type { ApprovalClient } from './approval-client';
import type { Verdict } from './approval-events';
import { ApprovalFeed } from './approval-feed';
import './approval-prompt';

/**
 * The approval prompt on a node: reads the node's requests and tasks (ApprovalFeed) and answers
 * through its `decide`. What the app shell mounts; the prompt itself only renders what it is given.
 */
export class ApprovalOverlay extends LitElement {
  static override properties = { client: { attribute: false } };
  declare client: ApprovalClient | undefined;
  private readonly feed = new ApprovalFeed(this);

  static override styles = css`
    :host {
      display: contents;
    }
  `;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.feed.setClient(this.client);
  }

  private readonly decide = async (entityId: string, verdict: Verdict): Promise<void> => {
    const client = this.client;
    if (client === undefined) throw new Error('no node to decide on');
    await client.decide(entityId, verdict);
    this.feed.refresh();
  };

  protected override render(): unknown {
    return html`<lm-approval-prompt
      .approvals=${this.feed.approvals}
      .tasks=${this.feed.tasks}
      .decide=${this.decide}
      .unavailable=${this.feed.error}
    ></lm-approval-prompt>`;
  }
}

if (!customElements.get('lm-approvals')) customElements.define('lm-approvals', ApprovalOverlay);

declare global {
  interface HTMLElementTagNameMap {
    'lm-approvals': ApprovalOverlay;
  }
}
