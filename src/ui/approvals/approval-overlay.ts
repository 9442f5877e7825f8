import { LitElement, css, html, type PropertyValues } from 'lit';
import type { ApprovalClient } from './approval-client';
import type { DecisionArg } from '../../node/approval-args';
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

  private readonly decide = async (entityId: string, decision: DecisionArg, requestId: string): Promise<void> => {
    const client = this.client;
    if (client === undefined) throw new Error('no node to decide on');
    // Naming the request makes the node refuse the answer if a newer request replaced it meanwhile.
    await client.decide(entityId, decision, requestId);
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
