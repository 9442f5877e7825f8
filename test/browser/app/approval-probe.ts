import { inTab, type AppTab } from '../support/app-pages';

/** What the approval prompt shows in a tab, read from its DOM (through the shadow roots). */
export interface PromptCard {
  readonly entity: string;
  readonly request: string;
  readonly countdown: string;
  readonly urgent: boolean;
  readonly focused: boolean;
  readonly disabled: boolean;
}

export interface PromptDecision {
  readonly entity: string;
  readonly state: string;
  readonly conflict: boolean;
  readonly text: string;
}

export interface PromptProbe {
  cards(): PromptCard[];
  decisions(): PromptDecision[];
  live(): string;
  /** Clicks Approve or Deny on the entity's card, as a tap does; false if there is no such card. */
  click(entity: string, which: 'approve' | 'deny'): boolean;
  /** The task the track list shows on the entity's row, '' if none. */
  rowTask(entity: string): string;
}

declare global {
  interface Window {
    lmPromptProbe?: PromptProbe;
  }
}

/**
 * Installs `window.lmPromptProbe` in the tab, so later `inTab` checks (sent as source text, so
 * self-contained) can read the prompt with one call.
 */
export function installProbe(tab: AppTab): Promise<boolean> {
  return inTab(tab, () => {
    const all = (root: ParentNode, selector: string): HTMLElement[] => window.deepQueryAll(root, selector);
    const active = (): Element | null => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el;
    };
    const byId = (id: string) => `[data-testid="${id}"]`;
    const cardFor = (entity: string) => all(document, byId('approval-card')).find((c) => c.dataset.entity === entity);
    window.lmPromptProbe = {
      cards: () =>
        all(document, byId('approval-card')).map((c) => ({
          entity: c.dataset.entity ?? '',
          request: c.dataset.request ?? '',
          countdown: c.querySelector(byId('countdown'))?.textContent ?? '',
          urgent: c.querySelector<HTMLElement>(byId('countdown'))?.dataset.urgent === 'true',
          focused: active() === c,
          disabled: c.querySelector<HTMLButtonElement>(byId('approve'))?.disabled ?? true,
        })),
      decisions: () =>
        all(document, byId('approval-decision')).map((d) => ({
          entity: d.dataset.entity ?? '',
          state: d.dataset.state ?? '',
          conflict: d.querySelector(byId('decision-conflict')) !== null,
          text: d.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        })),
      live: () => all(document, byId('approval-live'))[0]?.textContent?.trim() ?? '',
      click: (entity, which) => {
        const button = cardFor(entity)?.querySelector<HTMLButtonElement>(byId(which));
        if (button === undefined || button === null) return false;
        button.click();
        return true;
      },
      rowTask: (entity) => {
        const row = all(document, 'lm-track-row').find(
          (r) => r.shadowRoot?.querySelector(byId('track-id'))?.textContent === entity,
        );
        const badge = row?.shadowRoot ? all(row.shadowRoot, byId('track-task'))[0] : undefined;
        return badge === undefined ? '' : `${badge.title} ${badge.textContent?.trim() ?? ''}`;
      },
    };
    return true;
  });
}
