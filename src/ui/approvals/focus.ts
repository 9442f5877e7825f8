/** The element that really has focus, through open shadow roots. */
export function deepActiveElement(root: DocumentOrShadowRoot = document): Element | null {
  let el = root.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/** The operator is typing: focus is in a text field, a select or editable content. */
export function isTyping(el: Element | null): boolean {
  if (el === null) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !NOT_TEXT.has(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

const NOT_TEXT: ReadonlySet<string> = new Set([
  'button',
  'checkbox',
  'radio',
  'range',
  'reset',
  'submit',
  'color',
  'file',
  'image',
]);

/** Whether `el` sits inside `host`, through shadow roots. */
export function isWithin(el: Element | null, host: Element): boolean {
  for (let n: Node | null = el; n !== null;) {
    if (n === host) return true;
    n = n.parentNode ?? (n instanceof ShadowRoot ? n.host : null);
  }
  return false;
}
