import type { EntityView } from '../node/node-api';

/** `entity-select`: the operator picked an entity, or `null` to clear the selection. */
export interface EntitySelectDetail {
  readonly id: string | null;
}

/** `entity-saved`: the form created or updated an entity; `view` is the node's answer. */
export interface EntitySavedDetail {
  readonly id: string;
  readonly view: EntityView;
  readonly created: boolean;
}

/** `entity-deleted`: the form deleted an entity. */
export interface EntityDeletedDetail {
  readonly id: string;
}

declare global {
  interface HTMLElementEventMap {
    'entity-select': CustomEvent<EntitySelectDetail>;
    'entity-saved': CustomEvent<EntitySavedDetail>;
    'entity-deleted': CustomEvent<EntityDeletedDetail>;
  }
}

type UiEvents = {
  [K in 'entity-select' | 'entity-saved' | 'entity-deleted']: HTMLElementEventMap[K] extends CustomEvent<infer D>
    ? D
    : never;
};

/** Dispatches a typed UI event that crosses shadow roots, so the shell hears it from any depth. */
export function emit<K extends keyof UiEvents>(target: EventTarget, type: K, detail: UiEvents[K]): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
