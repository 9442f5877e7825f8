/**
 * Keyboard focus kept inside a dialog whose content lives partly in shadow roots (the settings
 * panel is a Lit element): the tab stops are found by walking the composed tree, in order.
 */

import { deepActiveElement, isWithin } from './approvals/focus';

const FOCUSABLE = 'button, input, select, textarea, a[href], [tabindex]';

/** The tab stops under `root`, in document order, shadow roots included (no positive tabindex in this app). */
export function tabStops(root: Element | ShadowRoot): HTMLElement[] {
  const out: HTMLElement[] = [];
  const visit = (node: Element | ShadowRoot): void => {
    for (const child of Array.from(node.children)) {
      if (child instanceof HTMLElement && child.matches(FOCUSABLE) && isTabbable(child)) out.push(child);
      if (child.shadowRoot !== null) visit(child.shadowRoot);
      else visit(child);
    }
  };
  visit(root);
  return out;
}

function isTabbable(el: HTMLElement): boolean {
  if (el.tabIndex < 0 || (el as HTMLButtonElement).disabled === true) return false;
  if (el instanceof HTMLInputElement && el.type === 'hidden') return false;
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
}

/**
 * Handles Tab and Shift+Tab while `dialog` is open: from its last stop to its first and back, and
 * from anywhere outside it into it, except from inside `exempt`. Returns whether it moved focus (the caller then prevents the default).
 */
export function trapTab(dialog: Element, e: KeyboardEvent, exempt: Element | null = null): boolean {
  const stops = tabStops(dialog);
  if (stops.length === 0) return false;
  const active = deepActiveElement();
  // An approval card that took the focus keeps the keyboard: a request must stay answerable.
  if (exempt !== null && isWithin(active, exempt)) return false;
  const first = stops[0]!;
  const last = stops[stops.length - 1]!;
  let to: HTMLElement | undefined;
  if (!isWithin(active, dialog)) to = e.shiftKey ? last : first;
  else if (!e.shiftKey && active === last) to = first;
  else if (e.shiftKey && active === first) to = last;
  if (to === undefined) return false;
  to.focus();
  return true;
}
